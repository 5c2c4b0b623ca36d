// The history a recall searches, in one round trip: the sessions in scope — $sessionId's, or
// every session the user ($userId, following merges to the survivor, or the user known by
// $identityKey) owns or takes part in — and, newest first, up to $maxMessages of their messages
// that pass the filters (null filters pass everything), each with the keys of the entities it
// mentions (kept on the message as `entityKeys`; read from its MENTIONS for messages stored
// before), its intents (and its embedding with $embeddings). `found` is false when the selector names
// nothing. Every part starts from an index seek; nothing here grows with other users' data.
CALL () {
  OPTIONAL MATCH (s:Session {id: $sessionId})
  RETURN collect(s) AS sessions, count(s) AS found
  UNION
  OPTIONAL MATCH (:User {id: $userId})-[:MERGED_INTO*0..10]->(u:User)
  WHERE u.mergedInto IS NULL
  WITH collect(DISTINCT u) AS users
  RETURN COLLECT {
           UNWIND users AS u MATCH (u)-[:HAS_SESSION|PARTICIPATES_IN]->(s:Session) RETURN DISTINCT s
         } AS sessions, size(users) AS found
  UNION
  OPTIONAL MATCH (:Identity {key: $identityKey})-[:IDENTIFIES]->(:User)-[:MERGED_INTO*0..10]->(u:User)
  WHERE u.mergedInto IS NULL
  WITH collect(DISTINCT u) AS users
  RETURN COLLECT {
           UNWIND users AS u MATCH (u)-[:HAS_SESSION|PARTICIPATES_IN]->(s:Session) RETURN DISTINCT s
         } AS sessions, size(users) AS found
}
WITH sessions, found WHERE found > 0
RETURN [s IN sessions | s.id] AS sessionIds,
  COLLECT {
    UNWIND sessions AS s
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > 0
      AND ($channels IS NULL OR m.channel IN $channels)
      AND ($roles IS NULL OR m.role IN $roles)
      AND ($since IS NULL OR m.at >= $since)
      AND ($until IS NULL OR m.at < $until)
    WITH m ORDER BY m.at DESC, m.id LIMIT $maxMessages
    RETURN [m.id, m.sessionId, m.seq, m.at.epochMillis, m.channel, m.role,
            coalesce(m.entityKeys, COLLECT { MATCH (m)-[:MENTIONS]->(e:Entity) RETURN e.key }),
            m.intents,
            CASE WHEN $embeddings THEN m.embedding END]
  } AS messages
