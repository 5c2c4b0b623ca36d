// Every API key (never the hash), newest first.
MATCH (k:ApiKey)
WHERE k.id IS NOT NULL
RETURN k {.id, .role, .channels, .name, .issuesUserTokens, createdAt: k.createdAt.epochMillis,
          revokedAt: k.revokedAt.epochMillis} AS key
ORDER BY k.createdAt DESC
