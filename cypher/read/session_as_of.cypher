// One session as it was at $asOf (server time): its status then (the last Transition up to
// then, else ACTIVE), the last message stored by then (its seq and time), the channels used by
// then, its handler then, its attribute changes recorded by then, and the merges around its
// owner now (to tell whose it was then). No row when it did not exist yet.
MATCH (s:Session {id: $id})<-[:HAS_SESSION]-(u:User)
WHERE s.createdAt <= datetime({epochMillis: $asOf})
OPTIONAL MATCH (s)-[:CONTINUES]->(previous:Session)
CALL (s) {
  OPTIONAL MATCH (s)-[:TRANSITIONED]->(t:Transition)
  WHERE t.at <= datetime({epochMillis: $asOf})
  WITH t ORDER BY t.at DESC LIMIT 1
  RETURN coalesce(t.to, 'ACTIVE') AS statusThen
}
CALL (s) {
  OPTIONAL MATCH (m:Message)
  USING INDEX m:Message(sessionId, seq)
  WHERE m.sessionId = s.id AND m.seq > 0 AND m.receivedAt <= datetime({epochMillis: $asOf})
  WITH m ORDER BY m.seq DESC LIMIT 1
  RETURN coalesce(m.seq, 0) AS seqThen, coalesce(m.at, s.createdAt) AS activityThen,
         m.channel AS lastChannelThen
}
CALL (s) {
  OPTIONAL MATCH (s)-[h:HANDLED_BY]->(a:Agent)
  WHERE h.at <= datetime({epochMillis: $asOf})
  WITH a ORDER BY h.at DESC LIMIT 1
  RETURN a.id AS handlerThen
}
CALL (s) {
  OPTIONAL MATCH (c:AttributeChange)
  USING INDEX c:AttributeChange(owner, recordedAt)
  WHERE c.owner = 'session:' + s.id AND c.recordedAt <= datetime({epochMillis: $asOf})
  RETURN coalesce(max(coalesce(c.ownerVersion, c.version)), 0) AS versionThen
}
RETURN s {.id, createdAt: s.createdAt.epochMillis,
          channels: [c IN coalesce(s.channels, []) WHERE EXISTS {
            MATCH (m:Message)
            WHERE m.sessionId = s.id AND m.seq > 0 AND m.channel = c
              AND m.receivedAt <= datetime({epochMillis: $asOf})
          }],
          status: statusThen, seq: seqThen, lastActivityAt: activityThen.epochMillis,
          lastChannel: lastChannelThen, handlerId: handlerThen,
          closedAt: CASE WHEN statusThen IN ['CLOSED', 'ARCHIVED'] THEN s.closedAt.epochMillis END,
          version: versionThen} AS session,
  u.id AS userId, previous.id AS continues,
  COLLECT {
    MATCH (c:AttributeChange)
    USING INDEX c:AttributeChange(owner, recordedAt)
    WHERE c.owner = 'session:' + s.id AND c.recordedAt <= datetime({epochMillis: $asOf})
    RETURN c {.key, .value, .channel, .version, .ownerVersion, .writer, .eventId, .messageId,
              at: c.at.epochMillis, recordedAt: c.recordedAt.epochMillis}
    ORDER BY c.recordedAt, c.version
  } AS changes,
  COLLECT {
    MATCH (u)((:User)<-[:SOURCE|TARGET]-(:Merge)-[:SOURCE|TARGET]->(:User)){0,10}(p:User)
    MATCH (p)<-[:SOURCE|TARGET]-(m:Merge)
    RETURN DISTINCT m {.id, .sourceId, .targetId, .identities, .sessions, at: m.at.epochMillis,
                       revertedAt: m.revertedAt.epochMillis}
  } AS merges
