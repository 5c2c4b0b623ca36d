// Record that the one-time data migration $name ran (idempotent).
MERGE (done:Migration {name: $name})
ON CREATE SET done.at = datetime()
