// A session's lifecycle transitions, oldest first.
MATCH (:Session {id: $sessionId})-[:TRANSITIONED]->(t:Transition)
RETURN t.from AS from, t.to AS to, t.at.epochMillis AS at, t.cause AS cause
ORDER BY t.at
