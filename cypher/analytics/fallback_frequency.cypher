// title: Fallback frequency
// description: Sessions started as the continuation of an expired one (CONTINUES), per day and
//   per channel the new session started on, against all sessions started.
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// columns: day, channel, sessions, continued, rate
MATCH (s:Session)
WHERE s.createdAt >= $since AND s.createdAt < $until AND size(s.channels) > 0
WITH date(s.createdAt) AS day, s.channels[0] AS channel,
     CASE WHEN EXISTS { (s)-[:CONTINUES]->(:Session) } THEN 1 ELSE 0 END AS continued
WITH day, channel, count(*) AS sessions, sum(continued) AS continued
RETURN toString(day) AS day, channel, sessions, continued, toFloat(continued) / sessions AS rate
ORDER BY day, channel
