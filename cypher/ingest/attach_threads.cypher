// Map platform conversations to the session they now belong to (replacing an expired mapping).
UNWIND $threads AS row
MATCH (t:Thread {key: row.key})
MATCH (s:Session {id: row.sessionId})
OPTIONAL MATCH (t)-[old:IN]->(:Session)
DELETE old
CREATE (t)-[:IN]->(s)
