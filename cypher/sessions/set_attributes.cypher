// Set session attributes, optionally compare-and-set on the session version. The session's write
// lock is taken before the version is read, so concurrent writers are strictly ordered: with
// $expectedVersion, only a writer that saw the current version applies; the others change nothing.
MATCH (s:Session {id: $sessionId})<-[:HAS_SESSION]-(u:User)
SET s._lock = true
REMOVE s._lock
WITH s, u, ($expectedVersion IS NULL OR s.version = $expectedVersion) AS applied
FOREACH (row IN CASE WHEN applied THEN $attributes ELSE [] END |
  MERGE (a:Attribute {owner: $owner, key: row.key})
    ON CREATE SET a.version = 0
  MERGE (s)-[:HAS]->(a)
  SET a.value = row.value, a.updatedAt = datetime({epochMillis: $now}), a.channel = $channel,
      a.version = a.version + 1
)
SET s.version = CASE WHEN applied THEN s.version + 1 ELSE s.version END
WITH s, u, applied
OPTIONAL MATCH (s)-[:CONTINUES]->(previous:Session)
RETURN applied,
  s {.*, createdAt: s.createdAt.epochMillis, lastActivityAt: s.lastActivityAt.epochMillis,
      closedAt: s.closedAt.epochMillis} AS session,
  u.id AS userId, previous.id AS continues,
  COLLECT {
    MATCH (a:Attribute)
    USING INDEX a:Attribute(owner, key)
    WHERE a.owner = $owner AND a.key IS NOT NULL
    RETURN [a.key, a.value] ORDER BY a.key
  } AS attributes
