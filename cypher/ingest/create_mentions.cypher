// Entity mentions of new messages: one Entity per normalized key, shared across channels and users.
// A personal entity (encryption on, graph/keys/personal.py) comes keyed by its hash with no
// value: the mention carries it, sealed for the person (`sealedValue`; its text sealed too).
UNWIND $mentions AS row
MATCH (m:Message {id: row.messageId})
MERGE (e:Entity {key: row.key})
  ON CREATE SET e.type = row.type, e.value = row.value, e.createdAt = datetime({epochMillis: row.at})
CREATE (m)-[:MENTIONS {start: row.start, end: row.end, text: row.text, value: row.sealedValue}]->(e)
