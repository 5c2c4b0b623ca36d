// Replies left SENDING past their lease (the worker died mid-send): where the platform takes an
// idempotency key ($idempotent channels) sending again is safe, so they are queued again; elsewhere
// the platform may already have the message, and sending it twice is worse than saying so: FAILED.
MATCH (o:Outbox)
WHERE o.status = 'SENDING' AND o.nextAttemptAt IS NOT NULL
  AND o.leaseUntil < datetime({epochMillis: $now})
WITH o LIMIT $limit
SET o._lock = true
REMOVE o._lock
WITH o
WHERE o.status = 'SENDING' AND o.leaseUntil < datetime({epochMillis: $now})
WITH o, o.channel IN $idempotent AS again
SET o.status = CASE WHEN again THEN 'QUEUED' ELSE 'FAILED' END,
    o.error = CASE WHEN again THEN o.error
              ELSE 'interrupted while sending: not sent again, the platform may have it' END,
    o.nextAttemptAt = datetime({epochMillis: $now}),
    o.updatedAt = datetime({epochMillis: $now})
WITH o
MATCH (m:Message)-[:DELIVERED_BY]->(o)
SET m.deliveryStatus = o.status, m.deliveryError = o.error,
    m.deliveryAt = datetime({epochMillis: $now})
RETURN count(o) AS recovered
