// Encryption turned on for a store written in clear (graph/store/sealing.py): a page of the
// platform threads still keyed in clear (`channel:threadId`; a hashed key holds ":~"), after
// $after in key order, each with the owner of the session it is mapped to (null: none).
// $keys: only those (null: every one).
MATCH (t:Thread)
WHERE t.key > $after AND NOT t.key CONTAINS ':~' AND ($keys IS NULL OR t.key IN $keys)
WITH t ORDER BY t.key LIMIT $limit
RETURN t.key AS key, t.nativeId AS nativeId,
  COLLECT { MATCH (t)-[:IN]->(:Session)<-[:HAS_SESSION]-(u:User) RETURN u.id }[0] AS userId
