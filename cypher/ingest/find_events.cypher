// Events already stored under these idempotency keys (replays return their original result).
UNWIND $eventIds AS eventId
OPTIONAL MATCH (m:Message {eventId: eventId})
OPTIONAL MATCH (e:Event {eventId: eventId})
WITH eventId, m, coalesce(m, e) AS found
WHERE found IS NOT NULL
RETURN eventId, found.sessionId AS sessionId, m.id AS messageId, m.seq AS seq
