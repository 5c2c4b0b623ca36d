// Everything session resolution needs, locked and read in one round trip (subqueries run in order):
// 1. identities -> users, created when new (a new identity naming an existing session joins that
//    session's owner; a phone number already known on another phone channel joins its person);
//    each identity and user write lock is taken, so one person's batches (and a merge moving
//    their identities) resolve in turn;
// 2. the batch's platform threads, locked, with the session each is mapped to;
//    (`sealed`: whether the identity's external id / the thread's native id is stored — with
//    encryption on, both are created without one and ingest/advance_sessions writes it sealed)
// 3. replayed events by (channel, sender, eventId) (read under those locks, so a concurrent retry
//    sees the first copy);
// 4. sessions named explicitly: status and owner;
// 5. each user's most recent open (ACTIVE/IDLE) session and most recently closed one.
CALL () {
  UNWIND $identities AS row
  MERGE (i:Identity {key: row.key})
    ON CREATE SET i.channel = row.channel, i.externalId = row.externalId,
                  i.createdAt = datetime({epochMillis: row.at})
  // locked before its user is read: a concurrent mergeUsers moving it is ordered with us
  SET i._lock = true
  REMOVE i._lock
  WITH i, row
  OPTIONAL MATCH (i)-[:IDENTIFIES]->(known:User)
  OPTIONAL MATCH (:Session {id: row.sessionId})<-[:HAS_SESSION]-(owner:User)
  // a phone number first seen here that another channel knows (sms <-> phone): that person
  CALL (row) {
    OPTIONAL MATCH (:Identity {key: head(row.aliases)})-[:IDENTIFIES]->(byNumber:User)
    RETURN byNumber
  }
  WITH i, row, coalesce(known, owner, byNumber) AS existing,
       known IS NULL AND owner IS NULL AND byNumber IS NOT NULL AS sameNumber
  MERGE (u:User {id: coalesce(existing.id, row.newUserId)})
    ON CREATE SET u.createdAt = datetime({epochMillis: row.at})
  MERGE (i)-[link:IDENTIFIES]->(u)
    ON CREATE SET link.linkedBy = CASE WHEN sameNumber THEN 'same phone number' END,
                  link.evidence = CASE WHEN sameNumber THEN head(row.aliases) END
  SET u._lock = true
  REMOVE u._lock
  RETURN collect({key: row.key, userId: u.id, sealed: i.externalId IS NOT NULL}) AS users
}
CALL () {
  UNWIND $threads AS row
  MERGE (t:Thread {key: row.key})
    ON CREATE SET t.channel = row.channel, t.nativeId = row.nativeId,
                  t.createdAt = datetime({epochMillis: row.at})
  SET t._lock = true
  REMOVE t._lock
  WITH t, row
  OPTIONAL MATCH (t)-[:IN]->(s:Session)
  OPTIONAL MATCH (s)<-[:HAS_SESSION]-(owner:User)
  RETURN collect({key: row.key, sessionId: s.id, status: s.status, ownerId: owner.id,
                  sealed: t.nativeId IS NOT NULL}) AS threads
}
CALL () {
  UNWIND $dedupKeys AS dedupKey
  OPTIONAL MATCH (m:Message {dedupKey: dedupKey})
  OPTIONAL MATCH (e:Event {dedupKey: dedupKey})
  WITH dedupKey, m, coalesce(m, e) AS found
  WHERE found IS NOT NULL
  RETURN collect({dedupKey: dedupKey, eventId: found.eventId, sessionId: found.sessionId,
                  messageId: m.id, seq: m.seq, userId: found.userId})
    AS stored
}
CALL () {
  UNWIND $sessionIds AS id
  MATCH (s:Session {id: id})<-[:HAS_SESSION]-(owner:User)
  RETURN collect({id: s.id, status: s.status, userId: owner.id}) AS explicit
}
CALL (users) {
  UNWIND users AS entry
  WITH DISTINCT entry.userId AS userId
  MATCH (u:User {id: userId})
  CALL (u) {
    OPTIONAL MATCH (u)-[:HAS_SESSION]->(s:Session)
    WHERE s.status IN ['ACTIVE', 'IDLE']
    WITH s ORDER BY s.lastActivityAt DESC LIMIT 1
    RETURN s.id AS openId
  }
  CALL (u) {
    OPTIONAL MATCH (u)-[:HAS_SESSION]->(s:Session)
    WHERE s.status IN ['CLOSED', 'ARCHIVED']
    WITH s, coalesce(s.closedAt, s.lastActivityAt) AS endedAt ORDER BY endedAt DESC LIMIT 1
    RETURN s.id AS closedId, endedAt.epochMillis AS closedAt
  }
  RETURN collect({userId: userId, openId: openId, closedId: closedId, closedAt: closedAt})
    AS userSessions
}
RETURN users, threads, stored, explicit, userSessions
