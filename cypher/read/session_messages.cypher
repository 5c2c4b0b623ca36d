// The last $last messages of a session, oldest first (index seek on Message(sessionId, seq)).
MATCH (s:Session {id: $sessionId})
MATCH (m:Message)
WHERE m.sessionId = s.id AND m.seq > s.seq - $last
RETURN m {.*} AS message
ORDER BY m.seq
