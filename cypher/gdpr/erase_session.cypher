// A session whose messages and events are gone: its threads, attributes, transitions, then it.
MATCH (s:Session {id: $sessionId})
CALL (s) {
  MATCH (t:Thread)-[:IN]->(s)
  DETACH DELETE t
  RETURN count(*) AS threads
}
CALL (s) {
  MATCH (s)-[:HAS]->(a:Attribute)
  DETACH DELETE a
  RETURN count(*) AS attributes
}
CALL (s) {
  MATCH (s)-[:TRANSITIONED]->(x:Transition)
  DETACH DELETE x
  RETURN count(*) AS transitions
}
DETACH DELETE s
RETURN threads, attributes, transitions
