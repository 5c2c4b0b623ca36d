// The sessions that continue this one (started after it expired), oldest first.
MATCH (:Session {id: $sessionId})<-[:CONTINUES]-(next:Session)
RETURN next.id AS id
ORDER BY next.createdAt
