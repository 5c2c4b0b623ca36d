// The messages a recall returns ($ids, in rank order) with up to $neighbors turns before and after
// each in its session (oldest first), in the shape of a context's messages.
UNWIND range(0, size($ids) - 1) AS rank
MATCH (m:Message {id: $ids[rank]})
RETURN rank,
  m {.id, .eventId, .sessionId, .userId, .identityKey, .channel, .role, .text, .seq, .metadata,
     .sentiment, .sentimentLabel, .enrichmentVersion, .agentId, .deliveryStatus, .deliveryError,
     deliveryAt: m.deliveryAt.epochMillis,
     at: m.at.epochMillis, receivedAt: m.receivedAt.epochMillis,
     entities: COLLECT {
       MATCH (m)-[r:MENTIONS]->(e:Entity)
       RETURN e {.key, .type, value: coalesce(r.value, e.value), start: r.start, end: r.end, text: r.text} ORDER BY r.start
     },
     expressed: COLLECT {
       MATCH (m)-[x:EXPRESSES]->(i:Intent)
       RETURN {name: i.name, confidence: x.confidence} ORDER BY x.confidence DESC, i.name
     }} AS message,
  COLLECT {
    MATCH (n:Message)
    USING INDEX n:Message(sessionId, seq)
    WHERE n.sessionId = m.sessionId AND n.seq >= m.seq - $neighbors AND n.seq <= m.seq + $neighbors
      AND n.seq <> m.seq AND n.seq > 0
    RETURN n {.id, .eventId, .sessionId, .userId, .identityKey, .channel, .role, .text, .seq,
              .metadata, .sentiment, .sentimentLabel, .enrichmentVersion, .agentId,
              .deliveryStatus, .deliveryError, deliveryAt: n.deliveryAt.epochMillis,
              at: n.at.epochMillis, receivedAt: n.receivedAt.epochMillis,
              entities: COLLECT {
                MATCH (n)-[r:MENTIONS]->(e:Entity)
                RETURN e {.key, .type, value: coalesce(r.value, e.value), start: r.start, end: r.end, text: r.text} ORDER BY r.start
              },
              expressed: COLLECT {
                MATCH (n)-[x:EXPRESSES]->(i:Intent)
                RETURN {name: i.name, confidence: x.confidence} ORDER BY x.confidence DESC, i.name
              }}
    ORDER BY n.seq
  } AS neighbors
ORDER BY rank
