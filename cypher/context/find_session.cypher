// The session a context selector points at: the session itself; else the current session of the
// user (given directly, following merges to the survivor, or through a channel identity) — the most recently active open one, else
// the most recent of any status. Unset selectors are null parameters and match nothing.
CALL () {
  MATCH (s:Session {id: $sessionId})
  RETURN s, 0 AS rank, s.lastActivityAt AS activity
  UNION
  MATCH (:User {id: $userId})-[:MERGED_INTO*0..10]->(u:User)-[:HAS_SESSION]->(s:Session)
  WHERE u.mergedInto IS NULL
  RETURN s, CASE WHEN s.status IN ['ACTIVE', 'IDLE'] THEN 0 ELSE 1 END AS rank,
         s.lastActivityAt AS activity
  UNION
  MATCH (:Identity {key: $identityKey})-[:IDENTIFIES]->(:User)-[:HAS_SESSION]->(s:Session)
  RETURN s, CASE WHEN s.status IN ['ACTIVE', 'IDLE'] THEN 0 ELSE 1 END AS rank,
         s.lastActivityAt AS activity
}
RETURN s.id AS id
ORDER BY rank, activity DESC
LIMIT 1
