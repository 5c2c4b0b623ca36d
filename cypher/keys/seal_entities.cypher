// Move the mentions of clear personal entities ($entities: {oldKey, newKey, mentions:
// [{messageId, start, value, text}]}, sealed by graph/store/sealing.py) to the entity keyed by
// the keyed hash: each mention recreated with its value and text sealed, the message's
// entityKeys renamed; the clear entity deleted once nothing mentions it. Returns the sessions
// touched (their recall blocks hold the old key).
UNWIND $entities AS row
MATCH (old:Entity {key: row.oldKey})
MERGE (new:Entity {key: row.newKey})
  ON CREATE SET new.type = old.type, new.createdAt = old.createdAt
WITH old, new, row
CALL (old, new, row) {
  UNWIND row.mentions AS mention
  MATCH (m:Message {id: mention.messageId})-[r:MENTIONS]->(old)
  WHERE r.start = mention.start
  CREATE (m)-[:MENTIONS {start: r.start, end: r.end, text: mention.text,
                         value: mention.value}]->(new)
  SET m.entityKeys = [k IN coalesce(m.entityKeys, []) |
                      CASE WHEN k = row.oldKey THEN row.newKey ELSE k END]
  DELETE r
  RETURN collect(DISTINCT m.sessionId) AS sessions
}
CALL (old) {
  WITH old WHERE NOT EXISTS { MATCH ()-[:MENTIONS]->(old) }
  DELETE old
}
UNWIND sessions AS sessionId
RETURN collect(DISTINCT sessionId) AS sessionIds
