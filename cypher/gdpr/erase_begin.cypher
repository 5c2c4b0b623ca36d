// Start erasing a person: lock the user, take in the users merged into it (the same person),
// and remove what identifies them first — identities, continuation tokens, merge records, user
// attributes and their history — so nothing new attaches while the rest is deleted in batches.
MATCH (u:User {id: $userId})
SET u._lock = true
REMOVE u._lock
WITH u
OPTIONAL MATCH (merged:User)-[:MERGED_INTO*1..10]->(u)
WITH u, [u] + collect(DISTINCT merged) AS people
WITH u, people, [p IN people | p.id] AS userIds
CALL (people) {
  UNWIND people AS p
  MATCH (i:Identity)-[:IDENTIFIES]->(p)
  DETACH DELETE i
  RETURN count(*) AS identities
}
CALL (userIds) {
  UNWIND userIds AS id
  MATCH (a:Attribute)
  USING INDEX a:Attribute(owner, key)
  WHERE a.owner = 'user:' + id AND a.key IS NOT NULL
  DETACH DELETE a
  RETURN count(*) AS userAttributes
}
CALL (userIds) {
  UNWIND userIds AS id
  MATCH (c:AttributeChange)
  USING INDEX c:AttributeChange(owner, recordedAt)
  WHERE c.owner = 'user:' + id AND c.recordedAt IS NOT NULL
  DELETE c
}
CALL (people) {
  UNWIND people AS p
  MATCH (m:Merge)-[:SOURCE|TARGET]->(p)
  WITH DISTINCT m
  DETACH DELETE m
  RETURN count(*) AS merges
}
CALL (people) {
  UNWIND people AS p
  MATCH (p)-[:HAS_SESSION]->(s:Session)
  RETURN collect(s.id) AS sessions
}
CALL (people) {
  UNWIND people AS p
  MATCH (p)-[:PARTICIPATES_IN]->(s:Session)
  RETURN collect(DISTINCT s.id) AS shared
}
CALL (people) {
  UNWIND people AS p
  MATCH (p)-[:HAS_SESSION]->(:Session)<-[:RESUMES]-(t:ContinuationToken)
  DETACH DELETE t
  RETURN count(*) AS tokens
}
RETURN userIds, sessions, shared, identities, userAttributes, merges, tokens
