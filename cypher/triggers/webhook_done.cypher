// A webhook delivery's outcome: DELIVERED; or QUEUED again at $retryAt; or DEAD (no attempts
// left) with the last error.
MATCH (d:TriggerDelivery {id: $id})
SET d.status = $status, d.error = $error, d.updatedAt = datetime({epochMillis: $now}),
    d.nextAttemptAt = datetime({epochMillis: coalesce($retryAt, $now)})
