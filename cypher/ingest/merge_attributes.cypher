// Session attributes carried by events, already merged by their key's policy (one row per
// session and key that changed), under the session's write lock.
UNWIND $attributes AS row
MATCH (s:Session {id: row.sessionId})
MERGE (a:Attribute {owner: row.owner, key: row.key})
  ON CREATE SET a.version = 0
MERGE (s)-[:HAS]->(a)
SET a.value = row.value, a.updatedAt = datetime({epochMillis: row.at}), a.channel = row.channel,
    a.version = a.version + 1
