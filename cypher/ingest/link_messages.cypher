// The NEXT chain: each new message follows the message with the previous sequence number.
UNWIND $messages AS row
MATCH (previous:Message {sessionId: row.sessionId, seq: row.seq - 1})
MATCH (m:Message {sessionId: row.sessionId, seq: row.seq})
CREATE (previous)-[:NEXT]->(m)
