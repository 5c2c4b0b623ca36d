// Close an open session (idempotent: a closed or archived session keeps its first closing).
MATCH (s:Session {id: $id})<-[:HAS_SESSION]-(u:User)
SET s.closedAt = CASE WHEN s.status IN ['ACTIVE', 'IDLE'] THEN $now ELSE s.closedAt END,
    s.closeReason = CASE WHEN s.status IN ['ACTIVE', 'IDLE'] THEN $reason ELSE s.closeReason END,
    s.status = CASE WHEN s.status IN ['ACTIVE', 'IDLE'] THEN 'CLOSED' ELSE s.status END
WITH s, u
OPTIONAL MATCH (s)-[:CONTINUES]->(previous:Session)
RETURN s {.*, createdAt: s.createdAt.epochMillis, lastActivityAt: s.lastActivityAt.epochMillis, closedAt: s.closedAt.epochMillis} AS session, u.id AS userId, previous.id AS continues
