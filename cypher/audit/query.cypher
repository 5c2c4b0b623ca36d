// Audit entries in a time window, newest first, optionally filtered by subject, operation,
// target (hashed like the stored targets) and outcome.
MATCH (a:AuditEvent)
WHERE a.at >= datetime({epochMillis: $since}) AND a.at <= datetime({epochMillis: $until})
  AND ($subject IS NULL OR a.subject = $subject)
  AND ($operation IS NULL OR a.operation = $operation)
  AND ($target IS NULL OR $target IN a.targets)
  AND ($outcome IS NULL OR a.outcome = $outcome)
RETURN a {.id, .subject, .role, .operation, .targets, .outcome, .requestId, at: a.at.epochMillis}
       AS entry
ORDER BY a.at DESC
LIMIT $limit
