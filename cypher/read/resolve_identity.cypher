// The user behind one channel identity (`channel:externalId`).
MATCH (:Identity {key: $key})-[:IDENTIFIES]->(u:User)
RETURN u.id AS id
