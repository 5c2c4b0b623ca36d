// Which model embedded each message of a session, and how many dimensions it gave (tests, ops);
// an index seek on Message(sessionId, seq).
MATCH (m:Message)
USING INDEX m:Message(sessionId, seq)
WHERE m.sessionId = $sessionId AND m.seq > 0
RETURN m.embeddingModel AS model, size(coalesce(m.embedding, [])) AS size
ORDER BY m.seq
