// Replies waiting in session $sessionId on a channel the platform pulls them from ($channel:
// phone, where Twilio asks for TwiML at each turn): each locked and re-checked (two concurrent
// requests of one call never say a reply twice), marked SENT with the platform's id for them
// ($platformId: the call), oldest first.
MATCH (o:Outbox)
WHERE o.sessionId = $sessionId AND o.channel = $channel AND o.status = 'QUEUED'
SET o._lock = true
REMOVE o._lock
WITH o
WHERE o.status = 'QUEUED'
MATCH (m:Message)-[:DELIVERED_BY]->(o)
SET o.status = 'SENT', o.attempts = o.attempts + 1, o.platformMessageId = $platformId,
    o.updatedAt = datetime({epochMillis: $now}),
    m.deliveryStatus = 'SENT', m.deliveryAt = datetime({epochMillis: $now})
RETURN m.text AS text
ORDER BY o.createdAt, m.seq
