// The last $last messages of a session, oldest first (index seek on Message(sessionId, seq)),
// each with the entities it mentions and the intents it expresses. With $upTo/$asOf (a
// point-in-time read): the last $last of those numbered up to $upTo and stored by $asOf.
MATCH (s:Session {id: $sessionId})
WITH coalesce($upTo, s.seq) AS upTo
MATCH (m:Message)
USING INDEX m:Message(sessionId, seq)
WHERE m.sessionId = $sessionId AND m.seq > upTo - $last AND m.seq <= upTo
  AND ($asOf IS NULL OR m.receivedAt <= datetime({epochMillis: $asOf}))
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
ORDER BY m.seq
