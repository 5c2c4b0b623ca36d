// Entities that no message mentions any more (after re-enrichment or erasure).
UNWIND $keys AS key
MATCH (e:Entity {key: key})
WHERE NOT EXISTS { (e)<-[:MENTIONS]-() }
DELETE e
