// title: Sentiment by channel
// description: What users' messages feel like on each channel: mean VADER compound score and
//   the share of negative and positive messages.
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// columns: channel, messages, meanSentiment, negativeShare, positiveShare
MATCH (m:Message)
WHERE m.at >= $since AND m.at < $until AND m.role = 'USER' AND m.sentiment IS NOT NULL
WITH m.channel AS channel, count(*) AS messages, avg(m.sentiment) AS mean,
  sum(CASE WHEN m.sentimentLabel = 'NEGATIVE' THEN 1 ELSE 0 END) AS negative,
  sum(CASE WHEN m.sentimentLabel = 'POSITIVE' THEN 1 ELSE 0 END) AS positive
RETURN channel, messages, round(mean, 3) AS meanSentiment,
  toFloat(negative) / messages AS negativeShare, toFloat(positive) / messages AS positiveShare
ORDER BY messages DESC, channel
