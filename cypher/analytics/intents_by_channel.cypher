// title: Intents by channel, per person
// description: How many of each person's messages on each channel expressed each intent in a
//   period, one row per person, channel and intent — the form differential privacy needs:
//   privateAnalytics shares the totals, each person counted at most 10 times over all of them
//   (merged users are one person).
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// param channels: list = ["web", "mobile", "whatsapp", "messenger", "sms", "email", "voice", "slack", "x"]
// param intents: list = ["order_status", "return_request", "refund", "cancel", "billing", "delivery_problem", "complaint", "escalation_request"]
// columns: person, channel, intent, messages
// private: person person; value messages; groups channel in channels, intent in intents; bound 10
MATCH (m:Message)
WHERE m.at >= $since AND m.at < $until AND m.role = 'USER' AND m.channel IN $channels
  AND size(m.intents) > 0
MATCH (:Session {id: m.sessionId})<-[:HAS_SESSION]-(u:User)
UNWIND m.intents AS intent
WITH coalesce([(u)-[:MERGED_INTO*1..10]->(root:User) WHERE root.mergedInto IS NULL | root.id][0],
              u.id) AS person, m.channel AS channel, intent
WHERE intent IN $intents
RETURN person, channel, intent, count(*) AS messages
ORDER BY person, channel, intent
