// One registered agent.
MATCH (a:Agent {id: $id})
RETURN a {.id, .kind, .name, createdAt: a.createdAt.epochMillis} AS agent
