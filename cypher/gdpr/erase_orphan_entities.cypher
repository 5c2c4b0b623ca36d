// Entities the erased messages mentioned that no message mentions any more.
UNWIND $keys AS key
MATCH (e:Entity {key: key})
WHERE NOT EXISTS { (:Message)-[:MENTIONS]->(e) }
DETACH DELETE e
RETURN count(*) AS deleted
