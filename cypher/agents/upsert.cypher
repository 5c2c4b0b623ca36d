// Register an agent (bot or human) or update its kind and name.
MERGE (a:Agent {id: $id})
  ON CREATE SET a.createdAt = datetime({epochMillis: $now})
SET a.kind = $kind, a.name = $name
RETURN a {.id, .kind, .name, createdAt: a.createdAt.epochMillis} AS agent
