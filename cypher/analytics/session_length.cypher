// title: Session length
// description: Duration (seconds from the first to the last activity) and messages per session,
//   by the channel the session started on: mean, median and 90th percentile.
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// columns: channel, sessions, meanSeconds, medianSeconds, p90Seconds, meanMessages, medianMessages, p90Messages
MATCH (s:Session)
WHERE s.createdAt >= $since AND s.createdAt < $until AND size(s.channels) > 0
WITH s.channels[0] AS channel,
     duration.inSeconds(s.createdAt, s.lastActivityAt).seconds AS seconds, s.seq AS messages
RETURN channel, count(*) AS sessions,
  round(avg(seconds), 1) AS meanSeconds,
  percentileCont(seconds, 0.5) AS medianSeconds,
  percentileCont(seconds, 0.9) AS p90Seconds,
  round(avg(messages), 2) AS meanMessages,
  percentileCont(messages, 0.5) AS medianMessages,
  percentileCont(messages, 0.9) AS p90Messages
ORDER BY sessions DESC, channel
