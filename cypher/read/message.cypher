// One message by id, as the session reads project it.
MATCH (m:Message {id: $id})
RETURN m {
  .id, .eventId, .sessionId, .userId, .identityKey, .channel, .role, .text, .seq, .metadata,
  .sentiment, .sentimentLabel, .enrichmentVersion, .agentId, .deliveryStatus, .deliveryError,
  deliveryAt: m.deliveryAt.epochMillis,
  at: m.at.epochMillis,
  receivedAt: m.receivedAt.epochMillis,
  entities: COLLECT {
    MATCH (m)-[r:MENTIONS]->(e:Entity)
    RETURN e {.key, .type, value: coalesce(r.value, e.value), start: r.start, end: r.end, text: r.text} ORDER BY r.start
  },
  expressed: COLLECT {
    MATCH (m)-[x:EXPRESSES]->(i:Intent)
    RETURN {name: i.name, confidence: x.confidence} ORDER BY x.confidence DESC, i.name
  }
} AS message
