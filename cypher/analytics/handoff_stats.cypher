// title: Handoff stats
// description: How often sessions are handed to a human agent, and how long after the session
//   started, by the channel it started on and its first intent.
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// columns: channel, intent, sessions, handedOff, rate, meanSecondsToHandoff
MATCH (s:Session)
WHERE s.createdAt >= $since AND s.createdAt < $until AND size(s.channels) > 0
OPTIONAL MATCH (first:Message)
WHERE first.sessionId = s.id AND first.seq = 1
WITH s, s.channels[0] AS channel, coalesce(first.intents[0], '(none)') AS intent,
  COLLECT {
    MATCH (s)-[h:HANDLED_BY]->(:Agent {kind: 'HUMAN'})
    RETURN h.at ORDER BY h.at LIMIT 1
  } AS human
WITH channel, intent, count(s) AS sessions, sum(size(human)) AS handedOff,
  avg(CASE WHEN size(human) > 0 THEN duration.inSeconds(s.createdAt, human[0]).seconds END)
    AS wait
RETURN channel, intent, sessions, handedOff, toFloat(handedOff) / sessions AS rate,
  round(wait, 1) AS meanSecondsToHandoff
ORDER BY handedOff DESC, sessions DESC, channel, intent
