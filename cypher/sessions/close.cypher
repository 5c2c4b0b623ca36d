// Close an open session (idempotent: a closed or archived session keeps its first closing), and
// record the change as a Transition whose cause is the reason given (or `closed`). The write
// lock comes first, so of two concurrent closes only one sees the session open.
MATCH (s:Session {id: $id})<-[:HAS_SESSION]-(u:User)
SET s._lock = true
REMOVE s._lock
WITH s, u, s.status AS before, s.status IN ['ACTIVE', 'IDLE'] AS closing
SET s.closedAt = CASE WHEN closing THEN $now ELSE s.closedAt END,
    s.closeReason = CASE WHEN closing THEN $reason ELSE s.closeReason END,
    s.status = CASE WHEN closing THEN 'CLOSED' ELSE s.status END
FOREACH (_ IN CASE WHEN closing THEN [1] ELSE [] END |
  CREATE (s)-[:TRANSITIONED]->(:Transition {
    sessionId: s.id, from: before, to: 'CLOSED', at: $now, cause: coalesce($reason, 'closed')
  })
)
WITH s, u
OPTIONAL MATCH (s)-[:CONTINUES]->(previous:Session)
RETURN s {.*, createdAt: s.createdAt.epochMillis, lastActivityAt: s.lastActivityAt.epochMillis, closedAt: s.closedAt.epochMillis} AS session, u.id AS userId, previous.id AS continues
