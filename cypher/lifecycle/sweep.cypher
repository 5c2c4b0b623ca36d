// One batch of timer transitions: sessions in $from whose last activity (or closing, for
// CLOSED -> ARCHIVED) is before $before move to $to, each transition recorded with its cause.
// Timers can differ per channel (the channel of the last activity): with $channel set, only that
// channel's sessions move; without it, every session except those of the $overridden channels.
// The session's write lock is taken before its status is checked again, so several sweepers
// (API instances) running at once never apply a transition twice.
MATCH (s:Session)
WHERE s.status = $from AND s.lastActivityAt < datetime({epochMillis: $before})
  AND CASE WHEN $channel IS NULL THEN NOT coalesce(s.lastChannel, '') IN $overridden
           ELSE s.lastChannel = $channel END
WITH s LIMIT $limit
SET s._lock = true
REMOVE s._lock
WITH s
WHERE s.status = $from
  AND coalesce(CASE WHEN $from = 'CLOSED' THEN s.closedAt END, s.lastActivityAt)
      < datetime({epochMillis: $before})
SET s.status = $to,
    s.closedAt = CASE WHEN $to = 'CLOSED' THEN datetime({epochMillis: $now}) ELSE s.closedAt END,
    s.closeReason = CASE WHEN $to = 'CLOSED' THEN $cause ELSE s.closeReason END
CREATE (s)-[:TRANSITIONED]->(:Transition {
  sessionId: s.id, from: $from, to: $to, at: datetime({epochMillis: $now}), cause: $cause
})
WITH s
MATCH (s)<-[:HAS_SESSION]-(u:User)
RETURN s.id AS id, u.id AS userId
