// The last $last messages of a session, oldest first (index seek on Message(sessionId, seq)),
// each with the entities it mentions and the intents it expresses.
MATCH (s:Session {id: $sessionId})
MATCH (m:Message)
USING INDEX m:Message(sessionId, seq)
WHERE m.sessionId = $sessionId AND m.seq > s.seq - $last
RETURN m {
  .id, .eventId, .sessionId, .userId, .identityKey, .channel, .role, .text, .seq, .metadata,
  .sentiment, .sentimentLabel, .enrichmentVersion, .agentId,
  at: m.at.epochMillis,
  receivedAt: m.receivedAt.epochMillis,
  entities: COLLECT {
    MATCH (m)-[r:MENTIONS]->(e:Entity)
    RETURN e {.key, .type, .value, start: r.start, end: r.end, text: r.text} ORDER BY r.start
  },
  expressed: COLLECT {
    MATCH (m)-[x:EXPRESSES]->(i:Intent)
    RETURN {name: i.name, confidence: x.confidence} ORDER BY x.confidence DESC, i.name
  }
} AS message
ORDER BY m.seq
