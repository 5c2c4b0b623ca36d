// The history a recall ranks: newest first, up to $maxMessages messages of the sessions
// $sessionIds (recall/scope) that pass the filters (null filters pass everything), each as
// [id, sessionId, seq, at, channel, role, entity keys, intents, embedding]: the embedding (bytes,
// one per dimension) only when the question's embedding $model made it — the similarity is one
// matrix product in the API (384 bytes a message; Neo4j computing cosine over stored doubles cost
// a 600-turn recall ~10 ms more). Every message keeps its entity keys (`entityKeys`, backfilled
// for older ones by a migration). Index seeks on Message(sessionId, seq): nothing here grows with
// other users' data.
UNWIND $sessionIds AS sessionId
MATCH (m:Message)
USING INDEX m:Message(sessionId, seq)
WHERE m.sessionId = sessionId AND m.seq > 0
  AND ($channels IS NULL OR m.channel IN $channels)
  AND ($roles IS NULL OR m.role IN $roles)
  AND ($since IS NULL OR m.at >= $since)
  AND ($until IS NULL OR m.at < $until)
WITH m ORDER BY m.at DESC, m.id LIMIT $maxMessages
RETURN collect([m.id, m.sessionId, m.seq, m.at.epochMillis, m.channel, m.role, m.entityKeys,
                m.intents, CASE WHEN m.embeddingModel = $model THEN m.embedding END]) AS messages
