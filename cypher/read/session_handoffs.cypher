// A session's handoffs, oldest first.
MATCH (:Session {id: $sessionId})-[h:HANDLED_BY]->(a:Agent)
RETURN h.from AS fromAgentId, a.id AS agentId, a.kind AS agentKind, h.reason AS reason,
       h.at.epochMillis AS at
ORDER BY h.at, a.id
