// Migration: the entity keys of messages stored before messages kept them (`entityKeys`, read by
// recall), from their MENTIONS, in batches; then the marker that says it is done, so later
// starts skip the scan (graph/store/schema.py).
MATCH (m:Message)
WHERE m.entityKeys IS NULL AND m.seq IS NOT NULL
CALL (m) {
  SET m.entityKeys = COLLECT { MATCH (m)-[:MENTIONS]->(e:Entity) RETURN DISTINCT e.key ORDER BY e.key }
} IN TRANSACTIONS OF 10000 ROWS
