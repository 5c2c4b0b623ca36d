// What a person said that can be a fact: their USER messages (sent from one of $identityKeys,
// stored by $until) mentioning an entity of one of $types — each with its text and every
// mention's span (the words around a mention say whose it is). An index seek per user on
// Message(userId, at); entity types are read from the message's own entityKeys first.
UNWIND $userIds AS userId
MATCH (m:Message)
USING INDEX m:Message(userId, at)
WHERE m.userId = userId AND m.at IS NOT NULL AND m.role = 'USER'
  AND m.identityKey IN $identityKeys
  AND m.receivedAt <= datetime({epochMillis: $until})
  AND any(key IN coalesce(m.entityKeys, []) WHERE split(key, ':')[0] IN $types)
RETURN m {.id, .seq, .sessionId, .channel, .text, at: m.at.epochMillis,
  mentions: COLLECT {
    MATCH (m)-[r:MENTIONS]->(e:Entity)
    RETURN {type: e.type, value: coalesce(r.value, e.value), start: r.start, end: r.end}
    ORDER BY r.start
  }
} AS message
ORDER BY message.at, message.seq
