// One page of a session's text-less events (page views, clicks, attribute-only updates) that are
// the person's, in time order, for export.
MATCH (n:Event)
USING INDEX n:Event(sessionId, at)
WHERE n.sessionId = $sessionId AND n.at >= datetime({epochMillis: $afterAt})
  AND n.userId IN $userIds
WITH n ORDER BY n.at, n.dedupKey
WHERE n.at > datetime({epochMillis: $afterAt}) OR n.dedupKey > $afterKey
WITH n LIMIT $limit
RETURN n {
  .eventId, .sessionId, .channel, .role, .identityKey, .metadata, .dedupKey,
  at: n.at.epochMillis, receivedAt: n.receivedAt.epochMillis
} AS event
