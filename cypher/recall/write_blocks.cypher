// Replace the recall blocks of each session from block `fromBlock` on with `blocks` ({block,
// data}) and record that every message up to seq `upTo` is in a block ($sessions: {sessionId,
// fromBlock, blocks, upTo}, from recall/block_sources in the same transaction).
UNWIND $sessions AS row
MATCH (s:Session {id: row.sessionId})
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
