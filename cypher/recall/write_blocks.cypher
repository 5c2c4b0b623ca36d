// Replace the recall blocks of each session from block `fromBlock` on with `blocks` ({block,
// data}) and record that every message up to seq `upTo` is in a block ($sessions: {sessionId,
// version, fromBlock, blocks, upTo}, read by recall/block_sources). The first SET takes the
// session's write lock; a session whose recall version moved since it was read (its messages
// changed: re-enriched, erased, anonymized, embedded again) is left alone.
UNWIND $sessions AS row
MATCH (s:Session {id: row.sessionId})
SET s.recallUpTo = coalesce(s.recallUpTo, 0)
WITH s, row
WHERE coalesce(s.recallVersion, 0) = row.version
CALL (s, row) {
  MATCH (b:RecallBlock)
  USING INDEX b:RecallBlock(sessionId, block)
  WHERE b.sessionId = s.id AND b.block >= row.fromBlock
  DELETE b
}
CALL (s, row) {
  UNWIND row.blocks AS block
  CREATE (:RecallBlock {sessionId: s.id, block: block.block, data: block.data})
}
SET s.recallUpTo = row.upTo
