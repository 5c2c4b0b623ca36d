// A send that did not go through: queued again at $retryAt (a retryable error with attempts
// left), else FAILED with the error. The message stays stored either way.
MATCH (m:Message)-[:DELIVERED_BY]->(o:Outbox {id: $id})
SET o.status = CASE WHEN $retryAt IS NULL THEN 'FAILED' ELSE 'QUEUED' END,
    o.error = $error, o.leaseUntil = null,
    o.nextAttemptAt = datetime({epochMillis: coalesce($retryAt, $now)}),
    o.updatedAt = datetime({epochMillis: $now})
SET m.deliveryStatus = o.status, m.deliveryError = $error,
    m.deliveryAt = datetime({epochMillis: $now})
RETURN o.status AS status
