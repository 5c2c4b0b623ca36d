// A new API key: only the SHA-256 of the token is stored.
CREATE (k:ApiKey {
  id: $id, hash: $hash, role: $role, channels: $channels, name: $name,
  issuesUserTokens: $issuesUserTokens,
  createdAt: datetime({epochMillis: $now})
})
RETURN k {.id, .role, .channels, .name, .issuesUserTokens, createdAt: k.createdAt.epochMillis} AS key
