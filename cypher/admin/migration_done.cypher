// Whether the one-time data migration $name already ran on this database.
OPTIONAL MATCH (done:Migration {name: $name})
RETURN done IS NOT NULL AS done
