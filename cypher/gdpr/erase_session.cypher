// A session whose messages and events are gone: its threads, attributes (with their history),
// transitions, its recall blocks, then it.
MATCH (s:Session {id: $sessionId})
CALL (s) {
  // expanded from the session (a label scan of Thread then a join looked cheaper to the planner
  // on a nearly empty store)
  MATCH (s)<-[:IN]-(t)
  WHERE t:Thread
  DETACH DELETE t
  RETURN count(*) AS threads
}
CALL (s) {
  MATCH (s)-[:HAS]->(a:Attribute)
  DETACH DELETE a
  RETURN count(*) AS attributes
}
CALL (s) {
  MATCH (c:AttributeChange)
  USING INDEX c:AttributeChange(owner, recordedAt)
  WHERE c.owner = 'session:' + s.id AND c.recordedAt IS NOT NULL
  DELETE c
}
CALL (s) {
  MATCH (b:RecallBlock)
  USING INDEX b:RecallBlock(sessionId, block)
  WHERE b.sessionId = s.id AND b.block >= 0
  DELETE b
}
CALL (s) {
  MATCH (s)-[:TRANSITIONED]->(x:Transition)
  DETACH DELETE x
  RETURN count(*) AS transitions
}
DETACH DELETE s
RETURN threads, attributes, transitions
