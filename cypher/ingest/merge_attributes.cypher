// Session attributes carried by events, already merged by their key's policy (one row per
// session and key that changed), under the session's write lock; each change also goes to the
// attribute history (AttributeChange, as in attributes/write) with the event that carried it.
UNWIND $attributes AS row
MATCH (s:Session {id: row.sessionId})
MERGE (a:Attribute {owner: row.owner, key: row.key})
  ON CREATE SET a.version = 0
MERGE (s)-[:HAS]->(a)
SET a.value = row.value, a.updatedAt = datetime({epochMillis: row.at}), a.channel = row.channel,
    a.version = a.version + 1
CREATE (:AttributeChange {
  owner: row.owner, key: row.key, value: row.value, at: a.updatedAt, channel: row.channel,
  version: a.version, ownerVersion: s.version, recordedAt: datetime({epochMillis: $recordedAt}),
  writer: $writer, eventId: row.eventId, messageId: row.messageId
})
