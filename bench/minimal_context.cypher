// The issue's "minimal raw-driver read" (bench/ab.py): the last 20 messages of the current
// session of the user known by $identityKey, only the fields the bench's context query shows —
// what any client of Neo4j would run for the same answer, without the context's entities,
// intents, attributes or sentiment. Index seeks: Identity(key), Message(sessionId, seq).
MATCH (:Identity {key: $identityKey})-[:IDENTIFIES]->(:User)-[:HAS_SESSION]->(s:Session)
WITH s
ORDER BY s.lastActivityAt DESC
LIMIT 1
MATCH (m:Message {sessionId: s.id})
WHERE m.seq > s.seq - 20
RETURN m.seq AS seq, m.channel AS channel, m.role AS role, m.text AS text, m.at AS at,
       m.sentiment AS sentiment
ORDER BY seq
