// Store computed embeddings ($rows: id, embedding: bytes, one signed byte per dimension) with
// the model that made them; a message erased or anonymized since it was read is left alone.
// A message already in its session's recall blocks (embedded again: another model, a backfill)
// drops them (graph/store/recall_blocks.py). Returns the sessions written to, whose blocks the caller
// brings up to date.
UNWIND $rows AS row
MATCH (m:Message {id: row.id})
WHERE m.text IS NOT NULL
SET m.embedding = row.embedding, m.embeddingModel = $model
WITH m.sessionId AS sessionId, min(m.seq) AS first
CALL (sessionId, first) {
  MATCH (s:Session {id: sessionId})
  WHERE s.recallUpTo >= first
  SET s.recallUpTo = 0, s.recallVersion = coalesce(s.recallVersion, 0) + 1
  WITH s
  MATCH (b:RecallBlock)
  USING INDEX b:RecallBlock(sessionId, block)
  WHERE b.sessionId = s.id AND b.block >= 0
  DELETE b
}
RETURN collect(sessionId) AS sessionIds
