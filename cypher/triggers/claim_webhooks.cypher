// Claim webhook deliveries that are due, each locked and re-checked (one process sends each),
// marked SENDING with a lease; SENDING ones whose lease ran out (a crash) are due again — the
// receiver deduplicates by the Idempotency-Key header, which stays the delivery's id.
MATCH (d:TriggerDelivery)
WHERE d.status IN ['QUEUED', 'SENDING'] AND d.nextAttemptAt <= datetime({epochMillis: $now})
WITH d ORDER BY d.nextAttemptAt LIMIT $limit
SET d._lock = true
REMOVE d._lock
WITH d
WHERE d.status IN ['QUEUED', 'SENDING'] AND d.nextAttemptAt <= datetime({epochMillis: $now})
SET d.status = 'SENDING', d.attempts = d.attempts + 1,
    d.nextAttemptAt = datetime({epochMillis: $now + $leaseMillis})
RETURN d {.id, .firingId, .sessionId, .rule, .url, .secretEnv, .payload, .attempts} AS delivery
