// ARCHIVED sessions whose last activity is older than the retention cut-off and that retention
// has not processed yet (one page).
MATCH (s:Session)
WHERE s.status = 'ARCHIVED' AND s.lastActivityAt < datetime({epochMillis: $before})
  AND s.retentionAppliedAt IS NULL
RETURN s.id AS id
LIMIT $limit
