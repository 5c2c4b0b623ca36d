// For each user: the most recent open (ACTIVE/IDLE) session, and the most recently closed one.
UNWIND $userIds AS userId
MATCH (u:User {id: userId})
CALL (u) {
  OPTIONAL MATCH (u)-[:HAS_SESSION]->(s:Session)
  WHERE s.status IN ['ACTIVE', 'IDLE']
  WITH s ORDER BY s.lastActivityAt DESC LIMIT 1
  RETURN s.id AS openId
}
CALL (u) {
  OPTIONAL MATCH (u)-[:HAS_SESSION]->(s:Session)
  WHERE s.status IN ['CLOSED', 'ARCHIVED']
  WITH s, coalesce(s.closedAt, s.lastActivityAt) AS endedAt ORDER BY endedAt DESC LIMIT 1
  RETURN s.id AS closedId, endedAt.epochMillis AS closedAt
}
RETURN userId, openId, closedId, closedAt
