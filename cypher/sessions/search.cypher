// Sessions by who, what and when, most recently active first. Each filter is optional (null:
// any) but the caller gives at least one: $userIds (a person: the user and the users merged into
// it), $entityKeys (a message of the session mentions one of them: ORDER_ID:A1001), and
// $since/$until (epoch millis: the session was active in that window). Starts from the most
// selective given: the entities' mentions, else the people's sessions, else the activity index.
CALL () {
  UNWIND coalesce($entityKeys, []) AS key
  MATCH (:Entity {key: key})<-[:MENTIONS]-(m:Message)
  MATCH (s:Session {id: m.sessionId})
  RETURN DISTINCT s
  UNION
  UNWIND CASE WHEN $entityKeys IS NULL THEN coalesce($userIds, []) ELSE [] END AS userId
  MATCH (:User {id: userId})-[:HAS_SESSION|PARTICIPATES_IN]->(s:Session)
  RETURN DISTINCT s
  UNION
  MATCH (s:Session)
  WHERE $entityKeys IS NULL AND $userIds IS NULL
    AND s.lastActivityAt >= datetime({epochMillis: coalesce($since, 0)})
  RETURN s
}
WITH s
WHERE ($since IS NULL OR s.lastActivityAt >= datetime({epochMillis: coalesce($since, 0)}))
  AND ($until IS NULL OR s.createdAt <= datetime({epochMillis: coalesce($until, 0)}))
  AND ($userIds IS NULL OR EXISTS {
    MATCH (u:User)-[:HAS_SESSION|PARTICIPATES_IN]->(s) WHERE u.id IN $userIds
  })
MATCH (s)<-[:HAS_SESSION]-(owner:User)
OPTIONAL MATCH (s)-[:CONTINUES]->(previous:Session)
RETURN s {.*, createdAt: s.createdAt.epochMillis, lastActivityAt: s.lastActivityAt.epochMillis,
          closedAt: s.closedAt.epochMillis} AS session,
  owner.id AS userId, previous.id AS continues
ORDER BY session.lastActivityAt DESC, session.id
LIMIT $limit
