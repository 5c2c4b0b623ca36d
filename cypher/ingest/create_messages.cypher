// The utterances of a batch, each in its session with its reserved sequence number and the
// message-level enrichment (sentiment, intent names, the version of the pipeline that made them).
UNWIND $messages AS row
MATCH (s:Session {id: row.sessionId})
CREATE (m:Message {
  id: row.id, eventId: row.eventId, sessionId: row.sessionId, userId: row.userId,
  identityKey: row.identityKey, channel: row.channel, role: row.role, text: row.text,
  at: datetime({epochMillis: row.at}), receivedAt: datetime({epochMillis: row.receivedAt}), seq: row.seq, metadata: row.metadata,
  sentiment: row.sentiment, sentimentLabel: row.sentimentLabel, intents: row.intents,
  enrichmentVersion: row.enrichmentVersion
})
CREATE (m)-[:IN]->(s)
