// Re-key identities written in clear ($identities: {oldKey, newKey, sealed, people, sessionIds,
// channel, externalId}, from keys/clear_identities): the identity keyed by its hash
// with its external id sealed; its people's messages and events carry the new key and dedup key
// (`<new key>:<eventId>`, graph.domain.events.dedup_key); their replies' Outbox recipients on
// that channel sealed.
UNWIND $identities AS row
MATCH (i:Identity {key: row.oldKey})
SET i.key = row.newKey, i.externalId = row.sealed
WITH row
CALL (row) {
  UNWIND row.people AS userId
  MATCH (m:Message)
  USING INDEX m:Message(userId, at)
  WHERE m.userId = userId AND m.at IS NOT NULL AND m.identityKey = row.oldKey
  SET m.identityKey = row.newKey, m.dedupKey = row.newKey + ':' + m.eventId
  RETURN count(*) AS messages
}
CALL (row) {
  UNWIND row.sessionIds AS sessionId
  MATCH (e:Event)
  USING INDEX e:Event(sessionId, at)
  WHERE e.sessionId = sessionId AND e.at IS NOT NULL AND e.identityKey = row.oldKey
  SET e.identityKey = row.newKey, e.dedupKey = row.newKey + ':' + e.eventId
  RETURN count(*) AS events
}
CALL (row) {
  UNWIND row.sessionIds AS sessionId
  MATCH (o:Outbox)
  USING INDEX o:Outbox(sessionId)
  WHERE o.sessionId = sessionId AND o.channel = row.channel AND o.recipient = row.externalId
  SET o.recipient = row.sealed  // the same external id, sealed for the same person
  RETURN count(*) AS replies
}
RETURN sum(messages) AS messages, sum(events) AS events, sum(replies) AS replies
