// People writing in a session someone else owns (a shared channel or thread) take part in it:
// their own context finds it, and export and erasure treat their messages as theirs.
UNWIND $rows AS row
MATCH (u:User {id: row.userId})
MATCH (s:Session {id: row.sessionId})
MERGE (u)-[p:PARTICIPATES_IN]->(s)
  ON CREATE SET p.since = s.lastActivityAt
