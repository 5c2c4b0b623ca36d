// Everything an agent needs about one session in one round trip: the session, its owner, the
// last $last messages across channels (oldest first) and the session attributes.
MATCH (s:Session {id: $sessionId})<-[:HAS_SESSION]-(u:User)
OPTIONAL MATCH (s)-[:CONTINUES]->(previous:Session)
RETURN s {.*} AS session, u.id AS userId, previous.id AS continues,
  COLLECT {
    MATCH (m:Message)
    WHERE m.sessionId = s.id AND m.seq > s.seq - $last
    RETURN m {.*} ORDER BY m.seq
  } AS messages,
  COLLECT {
    MATCH (a:Attribute)
    WHERE a.owner = $owner
    RETURN [a.key, a.value] ORDER BY a.key
  } AS attributes
