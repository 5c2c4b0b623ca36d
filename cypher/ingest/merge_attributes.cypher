// Session attributes carried by events: last write wins by event time against what is stored.
// One row per (session, key): the caller resolves ties inside a batch.
UNWIND $attributes AS row
MATCH (s:Session {id: row.sessionId})
MERGE (a:Attribute {owner: row.owner, key: row.key})
  ON CREATE SET a.version = 0
MERGE (s)-[:HAS]->(a)
WITH a, row
WHERE a.updatedAt IS NULL OR a.updatedAt <= datetime({epochMillis: row.at})
SET a.value = row.value, a.updatedAt = datetime({epochMillis: row.at}), a.channel = row.channel, a.version = a.version + 1
