// Reserve `count` sequence numbers per session under its write lock (the SET locks before it reads),
// and record activity: last activity time and channel (whose timers apply), channels used,
// IDLE -> ACTIVE (recorded as a Transition caused by `activity`, so a point-in-time read knows
// the status then). With $withOwners (encryption on), each session's owner: whose key seals its
// attribute values. First, with encryption on, the external ids of the batch's new identities and
// the native ids of its new platform threads (ingest/prepare made them without), each sealed for
// the person it belongs to ($identities, $threads: {key, sealed}; empty otherwise).
CALL () {
  UNWIND $identities AS row
  MATCH (i:Identity {key: row.key})
  WHERE i.externalId IS NULL
  SET i.externalId = row.sealed
}
CALL () {
  UNWIND $threads AS row
  MATCH (t:Thread {key: row.key})
  WHERE t.nativeId IS NULL
  SET t.nativeId = row.sealed
}
UNWIND $sessions AS row
MATCH (s:Session {id: row.id})
SET s.seq = s.seq + row.count,
    s.lastChannel = CASE WHEN s.lastActivityAt <= datetime({epochMillis: row.lastAt}) THEN row.lastChannel ELSE s.lastChannel END
FOREACH (_ IN CASE WHEN s.status = 'IDLE' THEN [1] ELSE [] END |
  CREATE (s)-[:TRANSITIONED]->(:Transition {
    sessionId: s.id, from: 'IDLE', to: 'ACTIVE', at: datetime({epochMillis: $now}), cause: 'activity'
  })
)
SET s.lastActivityAt = CASE WHEN s.lastActivityAt < datetime({epochMillis: row.lastAt}) THEN datetime({epochMillis: row.lastAt}) ELSE s.lastActivityAt END,
    s.status = CASE WHEN s.status = 'IDLE' THEN 'ACTIVE' ELSE s.status END,
    s.version = s.version + row.attributeChanges,
    s.channels = reduce(acc = coalesce(s.channels, []), c IN row.channels |
      CASE WHEN c IN acc THEN acc ELSE acc + c END)
RETURN s.id AS id, s.seq - row.count AS base,
  CASE WHEN $withOwners THEN [(s)<-[:HAS_SESSION]-(owner:User) | owner.id][0] END AS ownerId
