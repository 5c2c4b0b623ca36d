// Where a reply on $channel in session $sessionId goes: the last USER message there (its sender,
// the sender identity's external id — sealed with encryption on — and metadata) and the
// session's platform threads on that channel (native ids, sealed too), latest first. No row when the
// session does not exist; lastUser null when no user wrote on that channel.
MATCH (s:Session {id: $sessionId})
CALL (s) {
  OPTIONAL MATCH (m:Message)
  USING INDEX m:Message(sessionId, seq)
  WHERE m.sessionId = s.id AND m.seq > 0 AND m.channel = coalesce($channel, s.lastChannel)
    AND m.role = 'USER'
  WITH m ORDER BY m.seq DESC LIMIT 1
  RETURN m {.identityKey, .metadata,
            externalId: COLLECT { MATCH (i:Identity {key: m.identityKey}) RETURN i.externalId }[0]}
         AS lastUser
}
RETURN s.id AS id, coalesce($channel, s.lastChannel) AS channel, lastUser,
  COLLECT {
    MATCH (t:Thread)-[:IN]->(s)
    WHERE t.channel = coalesce($channel, s.lastChannel)
    RETURN t.nativeId ORDER BY t.createdAt DESC
  } AS threads
