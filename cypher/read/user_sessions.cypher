// A user's sessions, most recently active first.
MATCH (:User {id: $userId})-[:HAS_SESSION]->(s:Session)
OPTIONAL MATCH (s)-[:CONTINUES]->(previous:Session)
RETURN s {.*, createdAt: s.createdAt.epochMillis, lastActivityAt: s.lastActivityAt.epochMillis, closedAt: s.closedAt.epochMillis} AS session, $userId AS userId, previous.id AS continues
ORDER BY s.lastActivityAt DESC
LIMIT $limit
