// The sessions a session continues (its CONTINUES chain), nearest first.
MATCH path = (:Session {id: $sessionId})-[:CONTINUES*1..10]->(previous:Session)
RETURN previous.id AS id
ORDER BY length(path)
LIMIT $limit
