// Encryption turned on for a store written in clear (graph/store/sealing.py): a page of Outbox
// items (replies to send, and sent) whose recipient or destination is still in clear, after
// $after in id order, each with the owner of its session (null: none left). $sessionIds: only
// those sessions' items (null: every one).
MATCH (o:Outbox)
WHERE o.id > $after AND ($sessionIds IS NULL OR o.sessionId IN $sessionIds)
WITH o ORDER BY o.id
WHERE NOT o.recipient STARTS WITH 'tl1.' OR NOT o.destination STARTS WITH 'tl1.'
WITH o LIMIT $limit
RETURN o.id AS id, o.recipient AS recipient, o.destination AS destination,
  COLLECT { MATCH (:Session {id: o.sessionId})<-[:HAS_SESSION]-(u:User) RETURN u.id }[0]
    AS userId
