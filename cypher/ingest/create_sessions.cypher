// New sessions of a batch, owned by their user; CONTINUES links to the expired one they pick up.
UNWIND $sessions AS row
MATCH (u:User {id: row.userId})
CREATE (s:Session {
  id: row.id, status: 'ACTIVE', createdAt: datetime({epochMillis: row.at}), lastActivityAt: datetime({epochMillis: row.at}),
  seq: 0, version: 0, channels: []
})
CREATE (u)-[:HAS_SESSION]->(s)
WITH s, row
OPTIONAL MATCH (previous:Session {id: row.continues})
FOREACH (p IN CASE WHEN previous IS NULL THEN [] ELSE [previous] END |
  CREATE (s)-[:CONTINUES]->(p)
)
