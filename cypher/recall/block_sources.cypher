// What recall blocks are (re)built from (graph/store/recall_blocks.py): for each session of
// $sessionIds, its recall version and its messages from the first block that is not current
// (the one holding seq recallUpTo + 1) to the end, oldest first, each as [id, seq, at, channel,
// role, entity keys, intents, text, embedding] (the embedding only when $model made it; the text
// for its keyword terms, enrichment/terms.py).
// Reads only: no lock is held while the blocks are packed; recall/write_blocks writes them only
// if no invalidation bumped the version meanwhile.
UNWIND $sessionIds AS sessionId
MATCH (s:Session {id: sessionId})
WITH s, coalesce(s.recallUpTo, 0) AS upTo
WITH s, upTo, upTo / $blockSize AS fromBlock
RETURN s.id AS sessionId, upTo, coalesce(s.recallVersion, 0) AS version, fromBlock, COLLECT {
  MATCH (m:Message)
  USING INDEX m:Message(sessionId, seq)
  WHERE m.sessionId = s.id AND m.seq > fromBlock * $blockSize
  RETURN [m.id, m.seq, m.at.epochMillis, m.channel, m.role, m.entityKeys, m.intents,
          m.text, CASE WHEN m.embeddingModel = $model THEN m.embedding END]
  ORDER BY m.seq
} AS messages
