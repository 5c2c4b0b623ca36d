// A single-use continuation token for a session: only its SHA-256 hash is stored.
MATCH (s:Session {id: $sessionId})
CREATE (t:ContinuationToken {
  hash: $hash, sessionId: s.id, createdAt: datetime({epochMillis: $now}),
  expiresAt: datetime({epochMillis: $expiresAt}), createdBy: $actor
})
CREATE (t)-[:RESUMES]->(s)
RETURN t.expiresAt.epochMillis AS expiresAt
