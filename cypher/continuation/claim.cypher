// Lock a continuation token (concurrent redemptions of one token are strictly ordered) and read
// its state with the user that owns its session now.
MATCH (t:ContinuationToken {hash: $hash})
SET t._lock = true
REMOVE t._lock
WITH t
MATCH (t)-[:RESUMES]->(s:Session)<-[:HAS_SESSION]-(u:User)
RETURN s.id AS sessionId, u.id AS userId, t.expiresAt.epochMillis AS expiresAt,
  t.usedAt IS NOT NULL AS used
