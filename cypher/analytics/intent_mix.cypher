// title: Intent mix
// description: Which intents users express, on which channel, and their share of that channel's
//   user messages that express any intent.
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// columns: channel, intent, messages, share
MATCH (m:Message)
WHERE m.at >= $since AND m.at < $until AND m.role = 'USER' AND size(m.intents) > 0
UNWIND m.intents AS intent
WITH m.channel AS channel, intent, count(*) AS messages
WITH channel, collect({intent: intent, messages: messages}) AS rows, sum(messages) AS total
UNWIND rows AS row
RETURN channel, row.intent AS intent, row.messages AS messages,
  toFloat(row.messages) / total AS share
ORDER BY channel, messages DESC, intent
