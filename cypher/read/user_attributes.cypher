// A user's attributes with those of every user merged into it (MERGED_INTO, up to 10 merges
// deep): the stored state of each, oldest change first, for graph.attributes to combine key by
// key under the merge policies. `own` marks the user's own attributes.
MATCH (u:User {id: $userId})
WITH u, [u.id] + COLLECT {
  MATCH (merged:User)-[:MERGED_INTO*1..10]->(u)
  RETURN DISTINCT merged.id
} AS userIds
UNWIND userIds AS userId
MATCH (a:Attribute)
USING INDEX a:Attribute(owner, key)
WHERE a.owner = 'user:' + userId AND a.key IS NOT NULL
RETURN a.key AS key, a.value AS value, a.channel AS channel, a.updatedAt.epochMillis AS at,
  userId = u.id AS own
ORDER BY at, own, key
