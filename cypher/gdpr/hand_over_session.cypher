// A session the erased person owned but other people wrote in too: it stays, with their
// messages, and passes to the participant who joined first; its attributes and their history go
// (nothing says who wrote them). Returns the new owner, or no row when no one else took part (the caller
// then deletes the session).
MATCH (s:Session {id: $sessionId})<-[p:PARTICIPATES_IN]-(heir:User)
WHERE NOT heir.id IN $userIds
WITH s, p, heir ORDER BY p.since, heir.id LIMIT 1
DELETE p
CREATE (heir)-[:HAS_SESSION]->(s)
WITH s, heir
CALL (s) {
  OPTIONAL MATCH (s)-[:HAS]->(a:Attribute)
  DETACH DELETE a
  RETURN count(a) AS attributes
}
CALL (s) {
  MATCH (c:AttributeChange)
  USING INDEX c:AttributeChange(owner, recordedAt)
  WHERE c.owner = 'session:' + s.id AND c.recordedAt IS NOT NULL
  DELETE c
}
RETURN heir.id AS ownerId, attributes
