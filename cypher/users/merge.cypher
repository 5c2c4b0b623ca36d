// Merge the source user into the target, reversibly: a Merge node records who, when and why;
// the source's identities and sessions move to the target on relationships tagged with the
// merge id (what `unmerge` moves back, restoring the tag of an earlier merge it carried); the
// source node stays, MERGED_INTO the target.
MATCH (source:User {id: $sourceId}), (target:User {id: $targetId})
CREATE (m:Merge {
  id: $mergeId, sourceId: $sourceId, targetId: $targetId, evidence: $evidence, actor: $actor,
  at: datetime({epochMillis: $now}), status: 'ACTIVE'
})
CREATE (source)-[:MERGED_INTO {mergeId: $mergeId, at: datetime({epochMillis: $now})}]->(target)
CREATE (m)-[:SOURCE]->(source)
CREATE (m)-[:TARGET]->(target)
SET source.mergedInto = $targetId
WITH source, target, m
CALL (source, target) {
  MATCH (i:Identity)-[r:IDENTIFIES]->(source)
  CREATE (i)-[:IDENTIFIES {mergeId: $mergeId, previousMergeId: r.mergeId}]->(target)
  DELETE r
  RETURN collect(i.key) AS identities
}
CALL (source, target) {
  MATCH (source)-[r:HAS_SESSION]->(s:Session)
  CREATE (target)-[:HAS_SESSION {mergeId: $mergeId, previousMergeId: r.mergeId}]->(s)
  DELETE r
  RETURN collect(s.id) AS sessions
}
CALL (sessions) {
  UNWIND sessions AS sessionId
  MATCH (n:Message)
  WHERE n.sessionId = sessionId AND n.seq IS NOT NULL
  SET n.userId = $targetId
  RETURN count(*) AS messages
}
CALL (sessions) {
  UNWIND sessions AS sessionId
  MATCH (n:Event)
  WHERE n.sessionId = sessionId AND n.at IS NOT NULL
  SET n.userId = $targetId
  RETURN count(*) AS events
}
SET m.identities = identities, m.sessions = sessions
RETURN m {.id, .sourceId, .targetId, .evidence, .actor, .status, .identities, .sessions,
  .revertedBy, .revertReason, at: m.at.epochMillis, revertedAt: m.revertedAt.epochMillis} AS merge
