// Attach a channel identity to a user. Returns the user the identity belongs to afterwards
// (another user's id means it was already linked elsewhere: the caller reports a conflict).
MATCH (u:User {id: $userId})
MERGE (i:Identity {key: $key})
  ON CREATE SET i.channel = $channel, i.externalId = $externalId, i.createdAt = $now,
                i.linkedAt = $now
WITH u, i
OPTIONAL MATCH (i)-[:IDENTIFIES]->(owner:User)
FOREACH (_ IN CASE WHEN owner IS NULL THEN [1] ELSE [] END |
  CREATE (i)-[:IDENTIFIES]->(u)
)
RETURN coalesce(owner.id, u.id) AS ownerId
