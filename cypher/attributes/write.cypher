// Apply merged attribute values to a locked owner (session or user) and count the write in its
// version. $changes holds only the keys whose merged value changed. Every change is also kept as
// an AttributeChange (the attribute history: what point-in-time reads and facts replay), with
// the server time it was recorded, the owner's version after it and who wrote it.
MATCH (o)
WHERE elementId(o) = $node
SET o.version = coalesce(o.version, 0) + 1
WITH o
UNWIND $changes AS row
MERGE (a:Attribute {owner: $owner, key: row.key})
  ON CREATE SET a.version = 0
MERGE (o)-[:HAS]->(a)
SET a.value = row.value, a.updatedAt = datetime({epochMillis: row.at}), a.channel = row.channel,
    a.version = a.version + 1
CREATE (:AttributeChange {
  owner: $owner, key: row.key, value: row.value, at: a.updatedAt, channel: row.channel,
  version: a.version, ownerVersion: o.version, recordedAt: datetime({epochMillis: $recordedAt}),
  writer: $writer, eventId: row.eventId, messageId: row.messageId
})
