// Forget the recall blocks of the sessions of the messages $ids (their messages are being
// re-enriched): recall reads those messages one by one until the blocks are rebuilt.
UNWIND $ids AS id
MATCH (m:Message {id: id})
WITH DISTINCT m.sessionId AS sessionId
MATCH (s:Session {id: sessionId})
SET s.recallUpTo = 0, s.recallVersion = coalesce(s.recallVersion, 0) + 1
WITH s
CALL (s) {
  MATCH (b:RecallBlock)
  USING INDEX b:RecallBlock(sessionId, block)
  WHERE b.sessionId = s.id AND b.block >= 0
  DELETE b
}
