// Bench fixture: one person whose history is $sessions sessions of $perSession turns cycling
// through $texts and their embeddings ($embeddings: bytes, model $model, computed in context by
// the bench), with the properties, relationships and indexes the API writes, for recall's
// latency at long histories (bench/recall_scale.py). Run in an auto-commit transaction.
UNWIND range(0, $sessions - 1) AS n
CALL (n) {
  MERGE (u:User {id: $prefix + '-u'})
    ON CREATE SET u.createdAt = datetime() - duration({days: 400})
  WITH u, n, ['web', 'mobile', 'email'][n % 3] AS channel
  MERGE (i:Identity {key: channel + ':' + $prefix})
    ON CREATE SET i.channel = channel, i.externalId = $prefix, i.createdAt = u.createdAt
  MERGE (i)-[:IDENTIFIES]->(u)
  WITH u, n, channel, 'ses_' + replace($prefix, '-', '') + 'x' + toString(n) AS sid,
       u.createdAt + duration({minutes: n * 60}) AS at
  CREATE (s:Session {id: sid, status: 'ARCHIVED', createdAt: at, lastActivityAt: at,
                     seq: $perSession, version: 0, channels: [channel]})
  CREATE (u)-[:HAS_SESSION]->(s)
  WITH s, sid, u, at, channel, n
  UNWIND range(1, $perSession) AS k
  WITH s, sid, u, at, channel, (n * $perSession + k) % size($texts) AS pick, k
  CREATE (m:Message {id: sid + '-m' + toString(k), eventId: sid + '-e' + toString(k),
                     dedupKey: sid + '-e' + toString(k), sessionId: sid, userId: u.id,
                     identityKey: channel + ':' + $prefix, channel: channel,
                     role: CASE WHEN k % 2 = 0 THEN 'AGENT' ELSE 'USER' END,
                     text: $texts[pick], entityKeys: $entityKeys[pick], intents: [],
                     embedding: $embeddings[pick], embeddingModel: $model,
                     at: at + duration({seconds: k}), receivedAt: at, seq: k})
  CREATE (m)-[:IN]->(s)
} IN TRANSACTIONS OF 20 ROWS
