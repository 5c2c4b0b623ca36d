// Re-key identities written in clear ($rows: {oldKey, newKey, sealed, people, sessionIds},
// from keys/clear_identities): the identity keyed by its hash with its external id sealed; its
// people's messages and events carry the new key and dedup key (`<new key>:<eventId>`,
// graph.domain.events.dedup_key); a link made because another channel knew the same phone
// number names this identity as its evidence: by the new key. (Outbox items: keys/seal_outbox.)
UNWIND $rows AS row
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
  UNWIND row.people AS userId
  MATCH (:User {id: userId})<-[link:IDENTIFIES]-(:Identity)
  WHERE link.evidence = row.oldKey
  SET link.evidence = row.newKey
  RETURN count(*) AS links
}
RETURN sum(messages) AS messages, sum(events) AS events, sum(links) AS links
