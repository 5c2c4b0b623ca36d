// A dashboard sign-in: the cookie holds a random session token, only its SHA-256 is stored,
// with the caller it stands for (an API key by id, or a JWT's subject, role and channels) and
// when it ends. Sessions that have ended are removed on the way.
CALL () {
  MATCH (old:DashboardSession)
  WHERE old.expiresAt < datetime({epochMillis: $now})
  DETACH DELETE old
}
CREATE (d:DashboardSession {
  hash: $hash, keyId: $keyId, subject: $subject, role: $role, channels: $channels,
  createdAt: datetime({epochMillis: $now}), expiresAt: datetime({epochMillis: $expires})
})
RETURN d.hash AS hash
