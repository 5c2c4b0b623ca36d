// Intents expressed by new messages, with the rule layer's confidence.
UNWIND $intents AS row
MATCH (m:Message {id: row.messageId})
MERGE (i:Intent {name: row.name})
CREATE (m)-[:EXPRESSES {confidence: row.confidence}]->(i)
