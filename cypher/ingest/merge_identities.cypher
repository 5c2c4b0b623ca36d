// Identity -> User for every sender in a batch, creating both when new. A new identity whose event
// names an existing session joins that session's owner (mobile app continuing a web conversation).
// Takes the user's write lock so session resolution for one person is serialised.
UNWIND $identities AS row
MERGE (i:Identity {key: row.key})
  ON CREATE SET i.channel = row.channel, i.externalId = row.externalId, i.createdAt = datetime({epochMillis: row.at})
WITH i, row
OPTIONAL MATCH (i)-[:IDENTIFIES]->(known:User)
OPTIONAL MATCH (:Session {id: row.sessionId})<-[:HAS_SESSION]-(owner:User)
WITH i, row, coalesce(known, owner) AS existing
MERGE (u:User {id: coalesce(existing.id, row.newUserId)})
  ON CREATE SET u.createdAt = datetime({epochMillis: row.at})
MERGE (i)-[:IDENTIFIES]->(u)
SET u._lock = true
REMOVE u._lock
RETURN row.key AS key, u.id AS userId
