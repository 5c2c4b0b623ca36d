// Everything an agent needs about a session in one round trip. The session is the one the
// selector points at: each of $sessionIds (a row per session found); else the current session of
// $userId (following merges to the survivor) or of the user known by $identityKey — the most
// recently active open one, else the most recent of any status, among the sessions the user owns
// or takes part in (a shared channel or thread someone else started; with $ownedOnly — a user
// token's read — only those it owns). Unset selectors are null
// parameters and match nothing; no row means nothing matched. previousIds: up to $previous
// sessions it continues (its CONTINUES chain), nearest first.
// Returned: the session and its owner (with every identity); the last $last messages across
// channels (oldest first) with their entities and intents (with $links; else empty lists: a read
// that shows neither skips them); the session attributes; every entity
// mentioned in the session (most recently mentioned first, with where and how often); the intents
// expressed; the sentiment of the last $sentimentWindow user messages.
// Every part starts from an index seek (Message(sessionId, seq), Attribute(owner, key)).
// With $brief > 0: the last $brief messages (properties only, no expansion) and the handoffs,
// for the handoff brief (graph/domain/brief.py).
// With $asOf (epoch millis; a point-in-time read of the sessions in $sessionIds): only messages
// stored by then, and the attribute values recorded by then (attributesThen, oldest first).
CALL () {
  UNWIND $sessionIds AS sessionId
  MATCH (s:Session {id: sessionId})
  RETURN s, 0 AS rank, s.lastActivityAt AS activity
  UNION
  MATCH (:User {id: $userId})-[:MERGED_INTO*0..10]->(u:User)-[:HAS_SESSION|PARTICIPATES_IN]->(s:Session)
  WHERE u.mergedInto IS NULL
  RETURN s, CASE WHEN s.status IN ['ACTIVE', 'IDLE'] THEN 0 ELSE 1 END AS rank,
         s.lastActivityAt AS activity
  UNION
  MATCH (:Identity {key: $identityKey})-[:IDENTIFIES]->(:User)-[r:HAS_SESSION|PARTICIPATES_IN]->(s:Session)
  WHERE NOT $ownedOnly OR r:HAS_SESSION
  RETURN s, CASE WHEN s.status IN ['ACTIVE', 'IDLE'] THEN 0 ELSE 1 END AS rank,
         s.lastActivityAt AS activity
}
WITH s
ORDER BY rank, activity DESC
LIMIT coalesce(size($sessionIds), 1)
MATCH (s)<-[:HAS_SESSION]-(u:User)
OPTIONAL MATCH (s)-[:CONTINUES]->(previous:Session)
// upTo: the last seq to show — the session's now, or (point-in-time read, $asOf set) that of
// the last message stored by then
CALL (s) {
  OPTIONAL MATCH (m:Message)
  USING INDEX m:Message(sessionId, seq)
  WHERE $asOf IS NOT NULL AND m.sessionId = s.id AND m.seq > 0
    AND m.receivedAt <= datetime({epochMillis: coalesce($asOf, 0)})
  WITH m ORDER BY m.seq DESC LIMIT 1
  RETURN CASE WHEN $asOf IS NULL THEN s.seq ELSE coalesce(m.seq, 0) END AS upTo
}
RETURN s {.*, createdAt: s.createdAt.epochMillis, lastActivityAt: s.lastActivityAt.epochMillis, closedAt: s.closedAt.epochMillis} AS session, u.id AS userId, previous.id AS continues,
  u.createdAt.epochMillis AS userCreatedAt,
  COLLECT {
    MATCH path = (s)-[:CONTINUES*1..10]->(earlier:Session)
    RETURN earlier.id ORDER BY length(path) LIMIT $previous
  } AS previousIds,
  COLLECT {
    MATCH (i:Identity)-[:IDENTIFIES]->(u)
    RETURN i {.key, .channel, .externalId, createdAt: i.createdAt.epochMillis} ORDER BY i.createdAt, i.key
  } AS identities,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > upTo - $last AND m.seq <= upTo
    RETURN m {
      .id, .eventId, .sessionId, .userId, .identityKey, .channel, .role, .text, .seq, .metadata,
      .sentiment, .sentimentLabel, .enrichmentVersion, .agentId, .deliveryStatus, .deliveryError,
      deliveryAt: m.deliveryAt.epochMillis,
      at: m.at.epochMillis,
      receivedAt: m.receivedAt.epochMillis,
      entities: CASE WHEN $links THEN COLLECT {
        MATCH (m)-[r:MENTIONS]->(e:Entity)
        RETURN e {.key, .type, value: coalesce(r.value, e.value), start: r.start, end: r.end, text: r.text} ORDER BY r.start
      } ELSE [] END,
      expressed: CASE WHEN $links THEN COLLECT {
        MATCH (m)-[x:EXPRESSES]->(i:Intent)
        RETURN {name: i.name, confidence: x.confidence} ORDER BY x.confidence DESC, i.name
      } ELSE [] END
    } ORDER BY m.seq
  } AS messages,
  COLLECT {
    MATCH (a:Attribute)
    USING INDEX a:Attribute(owner, key)
    WHERE $asOf IS NULL AND a.owner = 'session:' + s.id AND a.key IS NOT NULL
    RETURN [a.key, a.value] ORDER BY a.key
  } AS attributes,
  COLLECT {
    MATCH (c:AttributeChange)
    USING INDEX c:AttributeChange(owner, recordedAt)
    WHERE $asOf IS NOT NULL AND c.owner = 'session:' + s.id
      AND c.recordedAt <= datetime({epochMillis: coalesce($asOf, 0)})
    RETURN [c.key, c.value] ORDER BY c.recordedAt, c.version
  } AS attributesThen,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > 0 AND m.seq <= upTo
    MATCH (m)-[r:MENTIONS]->(e:Entity)
    WITH e, m, r ORDER BY m.seq
    WITH e, min(m.at) AS firstSeenAt, max(m.at) AS lastSeenAt, count(*) AS mentions,
         collect(DISTINCT m.channel) AS channels, collect(r.value)[0] AS sealed
    RETURN e {.key, .type, value: coalesce(e.value, sealed), firstSeenAt: firstSeenAt.epochMillis,
              lastSeenAt: lastSeenAt.epochMillis, mentions, channels}
    ORDER BY lastSeenAt DESC, e.key
    LIMIT $entityLimit
  } AS entities,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > 0 AND m.seq <= upTo
    MATCH (m)-[x:EXPRESSES]->(i:Intent)
    WITH i, count(*) AS messages, max(x.confidence) AS confidence, max(m.at) AS lastSeenAt
    RETURN {name: i.name, messages: messages, confidence: confidence,
            lastSeenAt: lastSeenAt.epochMillis}
    ORDER BY lastSeenAt DESC, i.name
  } AS intents,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE m.sessionId = s.id AND m.seq > 0 AND m.seq <= upTo AND m.role = 'USER' AND m.sentiment IS NOT NULL
    RETURN {seq: m.seq, at: m.at.epochMillis, channel: m.channel, sentiment: m.sentiment}
    ORDER BY m.seq DESC
    LIMIT $sentimentWindow
  } AS sentiments,
  COLLECT {
    MATCH (m:Message)
    USING INDEX m:Message(sessionId, seq)
    WHERE $brief > 0 AND m.sessionId = s.id AND m.seq > upTo - $brief AND m.seq <= upTo
    RETURN m {.id, .seq, .channel, .role, .text, .sentiment, .intents, .entityKeys,
              at: m.at.epochMillis,
              sealed: COLLECT {  // a personal entity's value: on the mention, sealed
                MATCH (m)-[r:MENTIONS]->(e:Entity) WHERE r.value IS NOT NULL
                RETURN [e.key, r.value]
              }}
    ORDER BY m.seq
  } AS briefTurns,
  COLLECT {
    MATCH (s)-[h:HANDLED_BY]->(a:Agent)
    WHERE $brief > 0 AND ($asOf IS NULL OR h.at <= datetime({epochMillis: coalesce($asOf, 0)}))
    RETURN {fromAgentId: h.from, agentId: a.id, agentKind: a.kind, reason: h.reason,
            at: h.at.epochMillis}
    ORDER BY h.at, a.id
  } AS briefHandoffs, upTo
