// title: Top entities
// description: The entities mentioned most (order ids, SKUs, emails...), with how many messages,
//   sessions and channels mention them.
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// param limit: int = 20
// columns: key, type, value, mentions, sessions, channels
MATCH (m:Message)
WHERE m.at >= $since AND m.at < $until
MATCH (m)-[:MENTIONS]->(e:Entity)
WITH e, count(*) AS mentions, count(DISTINCT m.sessionId) AS sessions,
  collect(DISTINCT m.channel) AS channels
RETURN e.key AS key, e.type AS type, e.value AS value, mentions, sessions, channels
ORDER BY mentions DESC, key
LIMIT $limit
