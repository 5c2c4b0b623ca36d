// The sessions a recall searches: $sessionId's, or every session the user ($userId, following
// merges to the survivor, or the user known by $identityKey) owns or takes part in — with
// $ownedOnly (a user token's recall), only those it owns. No row when the selector names nothing
// (null selectors match nothing). Index seeks only.
CALL () {
  OPTIONAL MATCH (s:Session {id: $sessionId})
  RETURN collect(s) AS sessions, count(s) AS found
  UNION
  OPTIONAL MATCH (:User {id: $userId})-[:MERGED_INTO*0..10]->(u:User)
  WHERE u.mergedInto IS NULL
  WITH collect(DISTINCT u) AS users
  RETURN COLLECT {
           UNWIND users AS u MATCH (u)-[r:HAS_SESSION|PARTICIPATES_IN]->(s:Session)
           WHERE NOT $ownedOnly OR r:HAS_SESSION
           RETURN DISTINCT s
         } AS sessions, size(users) AS found
  UNION
  OPTIONAL MATCH (:Identity {key: $identityKey})-[:IDENTIFIES]->(:User)-[:MERGED_INTO*0..10]->(u:User)
  WHERE u.mergedInto IS NULL
  WITH collect(DISTINCT u) AS users
  RETURN COLLECT {
           UNWIND users AS u MATCH (u)-[r:HAS_SESSION|PARTICIPATES_IN]->(s:Session)
           WHERE NOT $ownedOnly OR r:HAS_SESSION
           RETURN DISTINCT s
         } AS sessions, size(users) AS found
}
WITH sessions, found WHERE found > 0
RETURN [s IN sessions | s.id] AS sessionIds
