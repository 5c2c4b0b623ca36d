// title: Channel switch rate
// description: Share of sessions and of users that used more than one channel, and the from -> to
//   matrix of channel switches (consecutive messages of a session on different channels).
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// columns: kind, from, to, count, total, rate
MATCH (s:Session)
WHERE s.createdAt >= $since AND s.createdAt < $until
WITH collect(s) AS sessions
CALL (sessions) {
  UNWIND sessions AS s
  WITH count(s) AS total, sum(CASE WHEN size(s.channels) > 1 THEN 1 ELSE 0 END) AS multi
  RETURN 'sessions' AS kind, null AS from, null AS to, multi AS count, total,
         CASE WHEN total = 0 THEN 0.0 ELSE toFloat(multi) / total END AS rate
  UNION ALL
  UNWIND sessions AS s
  MATCH (u:User)-[:HAS_SESSION]->(s)
  WITH u, reduce(acc = [], c IN collect(s.channels) | acc + [x IN c WHERE NOT x IN acc]) AS used
  WITH count(u) AS total, sum(CASE WHEN size(used) > 1 THEN 1 ELSE 0 END) AS multi
  RETURN 'users' AS kind, null AS from, null AS to, multi AS count, total,
         CASE WHEN total = 0 THEN 0.0 ELSE toFloat(multi) / total END AS rate
  UNION ALL
  UNWIND sessions AS s
  MATCH (a:Message)
  WHERE a.sessionId = s.id AND a.seq IS NOT NULL
  MATCH (a)-[:NEXT]->(b:Message)
  WHERE b.channel <> a.channel
  WITH a.channel AS from, b.channel AS to, count(*) AS count
  RETURN 'switch' AS kind, from, to, count, null AS total, null AS rate
}
RETURN kind, from, to, count, total, rate
ORDER BY kind, count DESC, from, to
