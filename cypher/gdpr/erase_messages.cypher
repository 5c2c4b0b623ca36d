// One batch of the person's messages in a session ($userIds: the person's users; another
// participant's messages stay theirs; null: every message, for a session being deleted):
// deleted with their MENTIONS/EXPRESSES/NEXT and the outbox items of replies (who they went to);
// returns the entities they mentioned (deleted later if no one else mentions them).
// The session's recall blocks (which hold the messages' entity keys) go first.
CALL () {
  MATCH (s:Session {id: $sessionId})
  SET s.recallUpTo = 0, s.recallVersion = coalesce(s.recallVersion, 0) + 1
  WITH s
  MATCH (b:RecallBlock)
  USING INDEX b:RecallBlock(sessionId, block)
  WHERE b.sessionId = s.id AND b.block >= 0
  DELETE b
}
MATCH (m:Message)
USING INDEX m:Message(sessionId, seq)
WHERE m.sessionId = $sessionId AND m.seq IS NOT NULL AND ($userIds IS NULL OR m.userId IN $userIds)
WITH m LIMIT $limit
CALL (m) {
  MATCH (m)-[:DELIVERED_BY]->(o:Outbox)
  DETACH DELETE o
}
OPTIONAL MATCH (m)-[:MENTIONS]->(e:Entity)
WITH m, collect(e.key) AS keys
DETACH DELETE m
RETURN count(m) AS deleted, reduce(all = [], k IN collect(keys) | all + k) AS entityKeys
