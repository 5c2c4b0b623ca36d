// Hand a session to a registered agent (bot or human): HANDLED_BY records from whom, to whom, why and when;
// the session remembers its current handler. The session's write lock orders concurrent handoffs.
MATCH (s:Session {id: $sessionId})<-[:HAS_SESSION]-(u:User)
SET s._lock = true
REMOVE s._lock
WITH s, u
MATCH (a:Agent {id: $agentId})
CREATE (s)-[:HANDLED_BY {from: s.handlerId, to: $agentId, reason: $reason,
                         at: datetime({epochMillis: $now})}]->(a)
SET s.handlerId = $agentId
WITH s, u
OPTIONAL MATCH (s)-[:CONTINUES]->(previous:Session)
RETURN s {.*, createdAt: s.createdAt.epochMillis, lastActivityAt: s.lastActivityAt.epochMillis,
          closedAt: s.closedAt.epochMillis} AS session,
  u.id AS userId, previous.id AS continues
