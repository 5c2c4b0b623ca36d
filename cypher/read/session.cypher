// One session with its owner and the expired session it continues (if any).
MATCH (s:Session {id: $id})<-[:HAS_SESSION]-(u:User)
OPTIONAL MATCH (s)-[:CONTINUES]->(previous:Session)
RETURN s {.*, createdAt: s.createdAt.epochMillis, lastActivityAt: s.lastActivityAt.epochMillis, closedAt: s.closedAt.epochMillis} AS session, u.id AS userId, previous.id AS continues
