// The history a recall ranks: for each session of $sessionIds (recall/scope), its recall blocks
// (graph/store/recall_blocks.py: the messages up to seq recallUpTo, packed 128 to a node) and the
// messages after them one by one, oldest first, each as [id, seq, at, channel, role, entity
// keys, intents, embedding] — the embedding (bytes, one per dimension) only when the question's
// $model made it. A message costs Neo4j ~6 µs per property read alone; a block, one read for
// 128. The recall's filters and its window apply in the API (graph/recall/history.py). Index
// seeks on Session(id), RecallBlock(sessionId, block) and Message(sessionId, seq): nothing here
// grows with other users' data.
UNWIND $sessionIds AS sessionId
MATCH (s:Session {id: sessionId})
WITH s, coalesce(s.recallUpTo, 0) AS upTo
RETURN s.id AS sessionId,
  CASE WHEN upTo > 0 THEN COLLECT {
    MATCH (b:RecallBlock)
    USING INDEX b:RecallBlock(sessionId, block)
    WHERE b.sessionId = s.id AND b.block >= 0
    RETURN b.data ORDER BY b.block
  } ELSE [] END AS blocks,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > upTo
    RETURN [m.id, m.seq, m.at.epochMillis, m.channel, m.role, m.entityKeys, m.intents,
            CASE WHEN m.embeddingModel = $model THEN m.embedding END]
    ORDER BY m.seq
  } AS tail
