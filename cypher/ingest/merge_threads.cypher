// The platform conversations of a batch, locked, with the session each is mapped to (if any).
UNWIND $threads AS row
MERGE (t:Thread {key: row.key})
  ON CREATE SET t.channel = row.channel, t.nativeId = row.nativeId, t.createdAt = datetime({epochMillis: row.at})
SET t._lock = true
REMOVE t._lock
WITH t, row
OPTIONAL MATCH (t)-[:IN]->(s:Session)
RETURN row.key AS key, s.id AS sessionId, s.status AS status
