// One batch of a session's messages: deleted with their MENTIONS/EXPRESSES/NEXT; returns the
// entities they mentioned (deleted later if no one else mentions them).
MATCH (m:Message)
WHERE m.sessionId = $sessionId AND m.seq IS NOT NULL
WITH m LIMIT $limit
OPTIONAL MATCH (m)-[:MENTIONS]->(e:Entity)
WITH m, collect(e.key) AS keys
DETACH DELETE m
RETURN count(m) AS deleted, reduce(all = [], k IN collect(keys) | all + k) AS entityKeys
