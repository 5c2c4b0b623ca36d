// Encryption turned on for a store written in clear (graph/store/sealing.py): a page of the
// identities still keyed in clear (`channel:externalId`; a hashed key holds ":~"), after $after
// in key order, each with the user it identifies and everyone merged into that user (their
// messages and events carry the key), and those people's sessions. $keys: only those (null:
// every one).
MATCH (i:Identity)
WHERE i.key > $after AND NOT i.key CONTAINS ':~' AND ($keys IS NULL OR i.key IN $keys)
WITH i ORDER BY i.key LIMIT $limit
OPTIONAL MATCH (i)-[:IDENTIFIES]->(u:User)
RETURN i.key AS key, i.channel AS channel, i.externalId AS externalId, u.id AS userId,
  COLLECT { MATCH (p:User)-[:MERGED_INTO*0..10]->(u) RETURN p.id } AS people,
  COLLECT {
    MATCH (p:User)-[:MERGED_INTO*0..10]->(u)
    MATCH (p)-[:HAS_SESSION|PARTICIPATES_IN]->(s:Session)
    RETURN DISTINCT s.id
  } AS sessionIds
