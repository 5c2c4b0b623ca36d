// The sessions a recall searches: $sessionId's, or every session the user ($userId, following
// merges to the survivor, or the user known by $identityKey) owns or takes part in — with
// $ownedOnly (a user token's recall), only those it owns. No row when the selector names nothing
// (null selectors match nothing). With them, the names of who speaks in them: the person's (their
// attributes named in $nameKeys, JSON text; a session's: its owner's) and the agents' who handled
// them (HANDLED_BY; only sessions with a handler are expanded). Index seeks, then the sessions'
// own relationships.
CALL () {
  OPTIONAL MATCH (s:Session {id: $sessionId})
  OPTIONAL MATCH (s)<-[:HAS_SESSION]-(owner:User)
  RETURN collect(s) AS sessions, count(s) AS found, collect(owner) AS users
  UNION
  OPTIONAL MATCH (:User {id: $userId})-[:MERGED_INTO*0..10]->(u:User)
  WHERE u.mergedInto IS NULL
  WITH collect(DISTINCT u) AS users
  RETURN COLLECT {
           UNWIND users AS u MATCH (u)-[r:HAS_SESSION|PARTICIPATES_IN]->(s:Session)
           WHERE NOT $ownedOnly OR r:HAS_SESSION
           RETURN DISTINCT s
         } AS sessions, size(users) AS found, users
  UNION
  OPTIONAL MATCH (:Identity {key: $identityKey})-[:IDENTIFIES]->(:User)-[:MERGED_INTO*0..10]->(u:User)
  WHERE u.mergedInto IS NULL
  WITH collect(DISTINCT u) AS users
  RETURN COLLECT {
           UNWIND users AS u MATCH (u)-[r:HAS_SESSION|PARTICIPATES_IN]->(s:Session)
           WHERE NOT $ownedOnly OR r:HAS_SESSION
           RETURN DISTINCT s
         } AS sessions, size(users) AS found, users
}
WITH sessions, found, users WHERE found > 0
RETURN [s IN sessions | s.id] AS sessionIds,
  COLLECT {
    UNWIND users AS u
    UNWIND $nameKeys AS key
    MATCH (a:Attribute {owner: 'user:' + u.id, key: key})
    RETURN a.value
  } AS userNames,
  COLLECT {
    UNWIND sessions AS s
    WITH s WHERE s.handlerId IS NOT NULL
    MATCH (s)-[:HANDLED_BY]->(a:Agent)
    WHERE a.name IS NOT NULL
    RETURN DISTINCT a.name
  } AS agentNames
