// The history a recall ranks: for each session of $sessionIds (recall/scope), its recall blocks
// (graph/store/recall_blocks.py: the messages up to seq recallUpTo, packed 128 to a node) and the
// messages after them one by one, oldest first, each as [id, seq, at, channel, role, entity
// keys, intents, embedding, text] — the embedding (bytes, one per dimension) only when the
// question's $model made it; the text for its keyword terms (enrichment/terms.py), which blocks
// hold as hashes. A message costs Neo4j ~6 µs per property read alone; a block, one read for
// 128. The recall's filters and its window apply in the API (graph/recall/history.py). Index
// seeks on Session(id), RecallBlock(sessionId, block) and Message(sessionId, seq): nothing here
// grows with other users' data. `version` ("recallVersion:recallUpTo") names the blocks' content:
// a session whose version the API already holds ($known: session id -> version,
// graph/recall/block_cache.py) comes without its blocks; one whose messages all are in blocks
// (`seq`, its last message's, not past recallUpTo) is not looked at for later ones. One row, a
// list of [sessionId, version, blocks, later messages] in $sessionIds' order: the driver's cost
// is per record (2,500 sessions: ~50 ms as rows, ~20 ms as one). The sessions of $reread (their
// blocks are in a format this release does not read) come without blocks, every message one by
// one.
UNWIND $sessionIds AS sessionId
MATCH (s:Session {id: sessionId})
WITH s, CASE WHEN s.id IN $reread THEN 0 ELSE coalesce(s.recallUpTo, 0) END AS upTo
WITH s, upTo, toString(coalesce(s.recallVersion, 0)) + ':' + toString(upTo) AS version
RETURN collect([
  s.id,
  version,
  CASE WHEN upTo > 0 AND coalesce($known[s.id], '') <> version THEN COLLECT {
    MATCH (b:RecallBlock)
    USING INDEX b:RecallBlock(sessionId, block)
    WHERE b.sessionId = s.id AND b.block >= 0
    RETURN b.data ORDER BY b.block
  } ELSE [] END,
  CASE WHEN coalesce(s.seq, 0) > upTo THEN COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > upTo
    RETURN [m.id, m.seq, m.at.epochMillis, m.channel, m.role, m.entityKeys, m.intents,
            CASE WHEN m.embeddingModel = $model THEN m.embedding END, m.text]
    ORDER BY m.seq
  } ELSE [] END
]) AS sessions
