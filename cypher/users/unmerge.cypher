// Undo one merge: the identities and sessions that came from the source (relationships tagged
// with the merge id) go back to it; the source is a user of its own again. Events that arrived
// after the merge stay with the target (they were the surviving user's). The Merge node stays as
// provenance, marked REVERTED.
MATCH (m:Merge {id: $mergeId})-[:SOURCE]->(source:User)
MATCH (m)-[:TARGET]->(target:User)
SET m.status = 'REVERTED', m.revertedAt = datetime({epochMillis: $now}), m.revertedBy = $actor,
    m.revertReason = $reason
REMOVE source.mergedInto
WITH m, source, target
CALL (source, target) {
  MATCH (source)-[r:MERGED_INTO]->(target)
  WHERE r.mergeId = $mergeId
  DELETE r
}
CALL (source, target) {
  MATCH (i:Identity)-[r:IDENTIFIES]->(target)
  WHERE r.mergeId = $mergeId
  CREATE (i)-[:IDENTIFIES {mergeId: r.previousMergeId}]->(source)
  DELETE r
  RETURN collect(i.key) AS identities
}
CALL (source, target) {
  MATCH (target)-[r:HAS_SESSION]->(s:Session)
  WHERE r.mergeId = $mergeId
  CREATE (source)-[:HAS_SESSION {mergeId: r.previousMergeId}]->(s)
  DELETE r
  RETURN collect(s.id) AS sessions
}
CALL (sessions, source) {
  UNWIND sessions AS sessionId
  MATCH (n:Message)
  WHERE n.sessionId = sessionId AND n.seq IS NOT NULL
  SET n.userId = source.id
  RETURN count(*) AS messages
}
CALL (sessions, source) {
  UNWIND sessions AS sessionId
  MATCH (n:Event)
  WHERE n.sessionId = sessionId AND n.at IS NOT NULL
  SET n.userId = source.id
  RETURN count(*) AS events
}
SET m.restoredIdentities = identities, m.restoredSessions = sessions
RETURN m {.id, .sourceId, .targetId, .evidence, .actor, .status, .identities, .sessions,
  .revertedBy, .revertReason, at: m.at.epochMillis, revertedAt: m.revertedAt.epochMillis} AS merge
