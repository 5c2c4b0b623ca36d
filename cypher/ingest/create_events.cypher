// Events without text (attribute updates, page views, clicks): kept for idempotency and metadata.
UNWIND $events AS row
MATCH (s:Session {id: row.sessionId})
CREATE (e:Event {
  eventId: row.eventId, dedupKey: row.dedupKey, sessionId: row.sessionId, userId: row.userId,
  identityKey: row.identityKey, channel: row.channel, role: row.role,
  at: datetime({epochMillis: row.at}), receivedAt: datetime({epochMillis: row.receivedAt}), metadata: row.metadata
})
CREATE (e)-[:IN]->(s)
