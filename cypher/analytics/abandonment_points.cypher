// title: Abandonment points
// description: Sessions that went IDLE or were closed by the inactivity timer without a
//   resolution (their last message expresses none of $resolvedIntents): where people stopped -
//   the last intent, who spoke last, on which channel, and at which message.
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// param resolvedIntents: list = ["thanks"]
// columns: lastIntent, lastRole, channel, position, sessions
MATCH (s:Session)
WHERE s.createdAt >= $since AND s.createdAt < $until AND s.seq > 0
  AND (s.status = 'IDLE' OR (s.status IN ['CLOSED', 'ARCHIVED'] AND s.closeReason STARTS WITH 'inactivity timeout'))
MATCH (last:Message)
WHERE last.sessionId = s.id AND last.seq = s.seq
WITH s, last
WHERE none(i IN coalesce(last.intents, []) WHERE i IN $resolvedIntents)
RETURN coalesce(last.intents[0], '(none)') AS lastIntent, last.role AS lastRole,
  last.channel AS channel, last.seq AS position, count(s) AS sessions
ORDER BY sessions DESC, lastIntent, position
