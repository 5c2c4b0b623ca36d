// Revoke an API key (idempotent; the first revocation time is kept).
MATCH (k:ApiKey {id: $id})
SET k.revokedAt = coalesce(k.revokedAt, datetime({epochMillis: $now}))
RETURN k {.id, .role, .channels, .name, createdAt: k.createdAt.epochMillis,
          revokedAt: k.revokedAt.epochMillis} AS key
