// The session an agent picking up a user's conversation should see: the most recently active
// open (ACTIVE/IDLE) session, else the most recent one of any status.
MATCH (:User {id: $userId})-[:HAS_SESSION]->(s:Session)
RETURN s.id AS id
ORDER BY CASE WHEN s.status IN ['ACTIVE', 'IDLE'] THEN 0 ELSE 1 END, s.lastActivityAt DESC
LIMIT 1
