// Bench fixture: other people's sessions of $perSession filler messages (texts from $texts), with
// the properties and relationships the API writes, for the recall benchmark's larger stores.
// Run in an auto-commit transaction.
UNWIND range($from, $to - 1) AS n
CALL (n) {
  WITH n, $prefix + '-s' + toString(n) AS sid, datetime() - duration({days: n % 300}) AS at
  CREATE (u:User {id: $prefix + '-u' + toString(n), createdAt: at})
  CREATE (i:Identity {key: 'web:' + $prefix + '-c' + toString(n), channel: 'web',
                      externalId: $prefix + '-c' + toString(n), createdAt: at})
  CREATE (i)-[:IDENTIFIES]->(u)
  CREATE (s:Session {id: sid, status: 'ARCHIVED', createdAt: at, lastActivityAt: at,
                     seq: $perSession, version: 0, channels: ['web']})
  CREATE (u)-[:HAS_SESSION]->(s)
  WITH s, sid, u, at
  UNWIND range(1, $perSession) AS k
  CREATE (m:Message {id: sid + '-m' + toString(k), eventId: sid + '-e' + toString(k),
                     dedupKey: sid + '-e' + toString(k),
                     sessionId: sid, userId: u.id, identityKey: 'web:' + $prefix + '-c' + toString(n),
                     channel: 'web', role: CASE WHEN k % 2 = 0 THEN 'AGENT' ELSE 'USER' END,
                     text: $texts[(n * 7 + k * 3) % size($texts)],
                     at: at + duration({minutes: k}), receivedAt: at, seq: k})
  CREATE (m)-[:IN]->(s)
} IN TRANSACTIONS OF 500 ROWS
