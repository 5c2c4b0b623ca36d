// Users by id, each with every channel identity (oldest first) and how it was linked.
UNWIND $ids AS id
MATCH (u:User {id: id})
RETURN u.id AS id, u.createdAt.epochMillis AS createdAt, coalesce(u.version, 0) AS version,
  u.mergedInto AS mergedInto,
  COLLECT {
    MATCH (i:Identity)-[r:IDENTIFIES]->(u)
    RETURN i {.key, .channel, .externalId, createdAt: i.createdAt.epochMillis,
              linkedBy: r.linkedBy, evidence: r.evidence, mergeId: r.mergeId}
    ORDER BY i.createdAt, i.key
  } AS identities
