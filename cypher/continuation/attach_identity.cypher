// The identity a token is redeemed from: created and linked to the session's user when new;
// returns its owner (another user means the caller merges that user into the session's user).
MATCH (u:User {id: $userId})
MERGE (i:Identity {key: $key})
  ON CREATE SET i.channel = $channel, i.externalId = $externalId,
                i.createdAt = datetime({epochMillis: $now}), i.linkedAt = datetime({epochMillis: $now})
WITH u, i
SET i._lock = true
REMOVE i._lock
WITH u, i
OPTIONAL MATCH (i)-[:IDENTIFIES]->(owner:User)
FOREACH (_ IN CASE WHEN owner IS NULL THEN [1] ELSE [] END |
  CREATE (i)-[:IDENTIFIES {linkedAt: datetime({epochMillis: $now}), linkedBy: $actor,
                           evidence: $evidence}]->(u)
)
RETURN coalesce(owner.id, u.id) AS ownerId
