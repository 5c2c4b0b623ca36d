// The utterances of a batch in one statement: each message in its session with its reserved
// sequence number and message-level enrichment (sentiment, intent names, pipeline version), the
// entities it mentions and the intents it expresses, and the NEXT link from the message before it
// (created earlier in this statement or already stored); its embedding comes after the commit
// (graph/pipeline/embed_later.py). A reply to send (row.outbound, from sendMessage) gets its Outbox
// item in the same statement, so it is never stored without being queued, nor queued unstored.
UNWIND $messages AS row
MATCH (s:Session {id: row.sessionId})
CREATE (m:Message {
  id: row.id, eventId: row.eventId, dedupKey: row.dedupKey, sessionId: row.sessionId, userId: row.userId,
  identityKey: row.identityKey, channel: row.channel, role: row.role, text: row.text,
  at: datetime({epochMillis: row.at}), receivedAt: datetime({epochMillis: row.receivedAt}),
  seq: row.seq, metadata: row.metadata, agentId: row.agentId,
  sentiment: row.sentiment, sentimentLabel: row.sentimentLabel, intents: row.intents,
  entityKeys: row.entityKeys,
  enrichmentVersion: row.enrichmentVersion,
  deliveryStatus: CASE WHEN row.outbound IS NULL THEN null ELSE 'QUEUED' END,
  deliveryAt: CASE WHEN row.outbound IS NULL THEN null ELSE datetime({epochMillis: row.receivedAt}) END
})
CREATE (m)-[:IN]->(s)
WITH m, row
CALL (m, row) {
  WITH m, row
  WHERE row.outbound IS NOT NULL
  CREATE (m)-[:DELIVERED_BY]->(:Outbox {
    id: row.outbound.id, messageId: m.id, sessionId: m.sessionId, channel: m.channel,
    recipient: row.outbound.recipient, destination: row.outbound.destination, status: 'QUEUED',
    attempts: 0, createdAt: m.receivedAt, updatedAt: m.receivedAt, nextAttemptAt: m.receivedAt
  })
}
CALL (m, row) {
  UNWIND row.mentions AS mention
  MERGE (e:Entity {key: mention.key})
    ON CREATE SET e.type = mention.type, e.value = mention.value,
                  e.createdAt = datetime({epochMillis: mention.at})
  CREATE (m)-[:MENTIONS {start: mention.start, end: mention.end, text: mention.text,
                         value: mention.sealedValue}]->(e)
}
CALL (m, row) {
  UNWIND row.expressed AS intent
  MERGE (i:Intent {name: intent.name})
  CREATE (m)-[:EXPRESSES {confidence: intent.confidence}]->(i)
}
WITH m, row
WHERE row.seq > 1
MATCH (previous:Message {sessionId: row.sessionId, seq: row.seq - 1})
CREATE (previous)-[:NEXT]->(m)
