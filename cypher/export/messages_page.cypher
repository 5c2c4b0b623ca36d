// One page of messages in time order (keyset pagination on (at, id)) with their entities and
// intents, for datasets.
MATCH (m:Message)
WHERE m.at >= datetime({epochMillis: $since}) AND m.at < datetime({epochMillis: $until})
  AND (m.at > datetime({epochMillis: $afterAt})
       OR (m.at = datetime({epochMillis: $afterAt}) AND m.id > $afterId))
WITH m ORDER BY m.at, m.id LIMIT $limit
RETURN m {
  .id, .sessionId, .userId, .channel, .role, .seq, .text, .sentiment, .sentimentLabel, .intents,
  at: m.at.epochMillis,
  entities: COLLECT {
    MATCH (m)-[r:MENTIONS]->(e:Entity)
    RETURN {key: e.key, type: e.type, start: r.start, end: r.end} ORDER BY r.start
  }
} AS message
