// One batch of a session's text-less events.
MATCH (n:Event)
WHERE n.sessionId = $sessionId AND n.at IS NOT NULL AND ($userIds IS NULL OR n.userId IN $userIds)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(n) AS deleted
