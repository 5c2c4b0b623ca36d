// One page of a session's messages (seq order) that are the person's ($userIds: what they said
// and what was said to them; another participant's messages in a shared thread are not theirs),
// with their entities and intents, for export.
MATCH (m:Message)
USING INDEX m:Message(sessionId, seq)
WHERE m.sessionId = $sessionId AND m.seq > $after
WITH m ORDER BY m.seq LIMIT $limit
RETURN m {
  .id, .eventId, .sessionId, .seq, .channel, .role, .text, .agentId, .identityKey, .sentiment,
  .metadata, at: m.at.epochMillis, receivedAt: m.receivedAt.epochMillis,
  own: m.userId IN $userIds,
  entities: COLLECT {
    MATCH (m)-[r:MENTIONS]->(e:Entity)
    RETURN {key: e.key, type: e.type, value: coalesce(r.value, e.value), text: r.text}
    ORDER BY r.start
  },
  intents: COLLECT { MATCH (m)-[x:EXPRESSES]->(i:Intent) RETURN i.name ORDER BY i.name }
} AS message
