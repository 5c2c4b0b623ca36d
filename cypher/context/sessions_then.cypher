// The sessions the users in $userIds (a person and everyone merges linked to it) own or take
// part in now that existed at $asOf, each with who holds it now, its status then (its last
// Transition by then, else ACTIVE) and its last activity then (the event time of its last
// message stored by then, else its creation): graph/store/history.py picks the one a context
// read at $asOf would have shown.
UNWIND $userIds AS userId
MATCH (:User {id: userId})-[r:HAS_SESSION|PARTICIPATES_IN]->(s:Session)
WHERE s.createdAt <= datetime({epochMillis: $asOf})
WITH s, userId, type(r) = 'HAS_SESSION' AS owns
CALL (s) {
  OPTIONAL MATCH (s)-[:TRANSITIONED]->(t:Transition)
  WHERE t.at <= datetime({epochMillis: $asOf})
  WITH t ORDER BY t.at DESC LIMIT 1
  RETURN coalesce(t.to, 'ACTIVE') AS statusThen
}
CALL (s) {
  OPTIONAL MATCH (m:Message)
  USING INDEX m:Message(sessionId, seq)
  WHERE m.sessionId = s.id AND m.seq > 0 AND m.receivedAt <= datetime({epochMillis: $asOf})
  WITH m ORDER BY m.seq DESC LIMIT 1
  RETURN coalesce(m.at, s.createdAt).epochMillis AS activityThen
}
RETURN s.id AS id, userId AS holder, owns, statusThen, activityThen
