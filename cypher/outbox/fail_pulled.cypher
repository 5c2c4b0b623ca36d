// A call ended: replies still waiting to be said in it ($channel: phone) can no longer be
// delivered — FAILED with the reason; the messages stay.
MATCH (o:Outbox)
WHERE o.sessionId = $sessionId AND o.channel = $channel AND o.status = 'QUEUED'
SET o._lock = true
REMOVE o._lock
WITH o
WHERE o.status = 'QUEUED'
MATCH (m:Message)-[:DELIVERED_BY]->(o)
SET o.status = 'FAILED', o.error = $error, o.updatedAt = datetime({epochMillis: $now}),
    m.deliveryStatus = 'FAILED', m.deliveryError = $error,
    m.deliveryAt = datetime({epochMillis: $now})
RETURN count(o) AS failed
