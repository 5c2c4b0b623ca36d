// Forget the recall blocks of the sessions $sessionIds (their messages changed: re-enriched,
// anonymized, erased): recall reads those messages one by one until the blocks are rebuilt.
UNWIND $sessionIds AS sessionId
MATCH (s:Session {id: sessionId})
SET s.recallUpTo = 0, s.recallVersion = coalesce(s.recallVersion, 0) + 1
WITH s
CALL (s) {
  MATCH (b:RecallBlock)
  USING INDEX b:RecallBlock(sessionId, block)
  WHERE b.sessionId = s.id AND b.block >= 0
  DELETE b
}
