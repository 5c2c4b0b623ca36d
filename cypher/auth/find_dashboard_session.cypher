// The caller a live dashboard session stands for: not ended, and — when it was opened with an
// API key — that key still not revoked.
MATCH (d:DashboardSession {hash: $hash})
WHERE d.expiresAt > datetime({epochMillis: $now})
OPTIONAL MATCH (k:ApiKey {id: d.keyId})
WITH d, k
WHERE d.keyId IS NULL OR (k IS NOT NULL AND k.revokedAt IS NULL)
RETURN d {.keyId, .subject, .role, .channels} AS session
