// Anonymize one batch of a session's messages: the text, its embedding, metadata and the surface
// text of mentions go; mentions of personal entities (email, phone) go; sentiment, intents and
// other entities stay for analytics; a reply's outbox item (its recipient) goes. Returns the
// personal entities that may now be orphans.
// The session's recall blocks (entity keys, embeddings) go first.
CALL () {
  MATCH (s:Session {id: $sessionId})
  SET s.recallUpTo = 0, s.recallVersion = coalesce(s.recallVersion, 0) + 1
  WITH s
  MATCH (b:RecallBlock)
  USING INDEX b:RecallBlock(sessionId, block)
  WHERE b.sessionId = s.id AND b.block >= 0
  DELETE b
}
MATCH (m:Message)
WHERE m.sessionId = $sessionId AND m.seq IS NOT NULL AND m.textRemovedAt IS NULL
WITH m LIMIT $limit
SET m.text = null, m.metadata = null, m.embedding = null, m.embeddingModel = null,
    m.entityKeys = [k IN m.entityKeys WHERE NOT (k STARTS WITH 'EMAIL:' OR k STARTS WITH 'PHONE:')],
    m.textRemovedAt = datetime({epochMillis: $now})
WITH m
CALL (m) {
  MATCH (m)-[:DELIVERED_BY]->(o:Outbox)
  DETACH DELETE o
}
CALL (m) {
  MATCH (m)-[r:MENTIONS]->(e:Entity)
  SET r.text = null, r.value = null
  WITH r, e WHERE e.type IN ['EMAIL', 'PHONE']
  DELETE r
  RETURN collect(e.key) AS personal
}
RETURN count(m) AS deleted, reduce(all = [], k IN collect(personal) | all + k) AS entityKeys
