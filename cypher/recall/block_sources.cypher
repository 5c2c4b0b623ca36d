// What recall blocks are (re)built from (graph/store/recall_blocks.py): for each session of
// $sessionIds, its messages from the first block that is not current (the one holding seq
// recallUpTo + 1) to the end, oldest first, each as [id, seq, at, channel, role, entity keys,
// intents, has text, embedding] (the embedding only when $model made it). Run in the write
// transaction that writes the blocks: the SET takes the session's write lock first, so an
// invalidation (a re-enrichment, an erasure) waits for the blocks or is waited for.
UNWIND $sessionIds AS sessionId
MATCH (s:Session {id: sessionId})
SET s.recallUpTo = coalesce(s.recallUpTo, 0)
WITH s, s.recallUpTo / $blockSize AS fromBlock
RETURN s.id AS sessionId, s.recallUpTo AS upTo, fromBlock, COLLECT {
  MATCH (m:Message)
  USING INDEX m:Message(sessionId, seq)
  WHERE m.sessionId = s.id AND m.seq > fromBlock * $blockSize
  RETURN [m.id, m.seq, m.at.epochMillis, m.channel, m.role, m.entityKeys, m.intents,
          m.text IS NOT NULL, CASE WHEN m.embeddingModel = $model THEN m.embedding END]
  ORDER BY m.seq
} AS messages
