// Bench fixture: bulk-load users, identities, sessions of $perSession messages, with the
// properties and relationships the API writes. Run in an auto-commit transaction.
UNWIND range($from, $to - 1) AS n
CALL (n) {
  WITH n, $prefix + '-s' + toString(n) AS sid, datetime() AS now
  CREATE (u:User {id: $prefix + '-u' + toString(n), createdAt: now})
  CREATE (i:Identity {key: 'web:' + $prefix + '-c' + toString(n), channel: 'web',
                      externalId: $prefix + '-c' + toString(n), createdAt: now})
  CREATE (i)-[:IDENTIFIES]->(u)
  CREATE (s:Session {id: sid, status: 'ACTIVE', createdAt: now, lastActivityAt: now,
                     seq: $perSession, version: 0, channels: ['web', 'whatsapp']})
  CREATE (u)-[:HAS_SESSION]->(s)
  WITH s, sid, u, now
  UNWIND range(1, $perSession) AS k
  CREATE (m:Message {id: sid + '-m' + toString(k), eventId: sid + '-e' + toString(k),
                     sessionId: sid, userId: u.id, identityKey: 'web:' + $prefix + '-c' + toString(n),
                     channel: CASE WHEN k > 10 THEN 'whatsapp' ELSE 'web' END,
                     role: CASE WHEN k % 2 = 0 THEN 'BOT' ELSE 'USER' END,
                     text: 'where is my order A-' + toString(10000 + k) + ', it is late',
                     at: now, receivedAt: now, seq: k, sentiment: -0.3,
                     sentimentLabel: 'NEGATIVE', intents: ['order_status']})
  CREATE (m)-[:IN]->(s)
} IN TRANSACTIONS OF 500 ROWS
