// The history a recall ranks: newest first, up to $maxMessages messages of the sessions
// $sessionIds (recall/scope) that pass the filters (null filters pass everything), each as
// [id, sessionId, seq, at, channel, role, entity keys, intents, similarity]: with the question's
// embedding $vector, the similarity of the message's embedding by the same $model, computed here
// (one float per message rather than hundreds: decoding 384 floats × 600 messages cost a
// recall ~35 ms); Neo4j's cosine similarity is (1 + cos) / 2, the same order as the cosine.
// Entity keys are kept on the message (`entityKeys`); messages stored before have them from their
// MENTIONS. Index seeks on Message(sessionId, seq): nothing here grows with other users' data.
UNWIND $sessionIds AS sessionId
MATCH (m:Message)
USING INDEX m:Message(sessionId, seq)
WHERE m.sessionId = sessionId AND m.seq > 0
  AND ($channels IS NULL OR m.channel IN $channels)
  AND ($roles IS NULL OR m.role IN $roles)
  AND ($since IS NULL OR m.at >= $since)
  AND ($until IS NULL OR m.at < $until)
WITH m ORDER BY m.at DESC, m.id LIMIT $maxMessages
RETURN collect([m.id, m.sessionId, m.seq, m.at.epochMillis, m.channel, m.role,
                coalesce(m.entityKeys, COLLECT { MATCH (m)-[:MENTIONS]->(e:Entity) RETURN e.key }),
                m.intents,
                CASE WHEN $vector IS NOT NULL AND m.embeddingModel = $model
                          AND size(m.embedding) = size($vector)
                     THEN vector.similarity.cosine(m.embedding, $vector) END]) AS messages
