// Users by id, each with every channel identity (oldest first).
UNWIND $ids AS id
MATCH (u:User {id: id})
RETURN u.id AS id, u.createdAt.epochMillis AS createdAt, coalesce(u.version, 0) AS version,
  COLLECT {
    MATCH (i:Identity)-[:IDENTIFIES]->(u)
    RETURN i {.key, .channel, .externalId, createdAt: i.createdAt.epochMillis} ORDER BY i.createdAt, i.key
  } AS identities
