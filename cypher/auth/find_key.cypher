// The live (not revoked) API key with this token hash.
MATCH (k:ApiKey {hash: $hash})
WHERE k.revokedAt IS NULL
RETURN k {.id, .role, .channels, .issuesUserTokens} AS key
