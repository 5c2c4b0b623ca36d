// Mark a session as processed by retention (its events go too under `purge`).
MATCH (s:Session {id: $sessionId})
SET s.retentionAppliedAt = datetime({epochMillis: $now}), s.retentionMode = $mode
