// The user behind one channel identity (`channel:externalId`), following merges to the survivor.
MATCH (:Identity {key: $key})-[:IDENTIFIES]->(:User)-[:MERGED_INTO*0..10]->(u:User)
WHERE u.mergedInto IS NULL
RETURN u.id AS id
