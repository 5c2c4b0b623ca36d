// title: Messages by channel, per person
// description: How many messages each person wrote on each channel in a period, one row per
//   person and channel — the form differential privacy needs: privateAnalytics shares the
//   channels' totals, each person counted at most 20 times (merged users are one person).
// param since: datetime = 1970-01-01T00:00:00Z
// param until: datetime = now
// param channels: list = ["web", "mobile", "whatsapp", "messenger", "sms", "email", "voice", "slack", "x"]
// columns: person, channel, messages
// private: person person; value messages; groups channel in channels; bound 20
MATCH (m:Message)
WHERE m.at >= $since AND m.at < $until AND m.role = 'USER' AND m.channel IN $channels
MATCH (:Session {id: m.sessionId})<-[:HAS_SESSION]-(u:User)
WITH coalesce([(u)-[:MERGED_INTO*1..10]->(root:User) WHERE root.mergedInto IS NULL | root.id][0],
              u.id) AS person, m.channel AS channel
RETURN person, channel, count(*) AS messages
ORDER BY person, channel
