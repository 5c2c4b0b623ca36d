// Migration: the deduplication key of messages and events stored before it existed, as
// graph.events.dedup_key builds it: channel:len(externalUserId):externalUserId:eventId.
// Runs only while the old eventId-only constraints exist (graph/schema.py), in batches.
MATCH (n:Message|Event)
WHERE n.dedupKey IS NULL AND n.eventId IS NOT NULL AND n.identityKey IS NOT NULL
CALL (n) {
  WITH n, substring(n.identityKey, size(n.channel) + 1) AS externalUserId
  SET n.dedupKey = n.channel + ':' + toString(size(externalUserId)) + ':' + externalUserId
                   + ':' + n.eventId
} IN TRANSACTIONS OF 10000 ROWS
