// title: Orphaned sessions
// description: A sweeper health check: ACTIVE sessions past the idle timer and IDLE sessions
//   past the close timer. Non-zero counts mean the sweeper is not running or falling behind.
// param idleAfterMinutes: float = 30
// param closeAfterHours: float = 24
// param now: datetime = now
// columns: status, sessions, oldestActivity
UNWIND [
  {status: 'ACTIVE', before: $now - duration({minutes: $idleAfterMinutes})},
  {status: 'IDLE', before: $now - duration({hours: $closeAfterHours})}
] AS due
CALL (due) {
  MATCH (s:Session)
  WHERE s.status = due.status AND s.lastActivityAt < due.before
  RETURN count(s) AS sessions, min(s.lastActivityAt) AS oldest
}
RETURN due.status AS status, sessions, toString(oldest) AS oldestActivity
ORDER BY status
