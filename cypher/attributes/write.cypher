// Apply merged attribute values to a locked owner (session or user) and count the write in its
// version. $changes holds only the keys whose merged value changed.
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
