// Attach a channel identity to a user (or the user it was merged into), with provenance on the
// link: who/what linked it and why. Returns the user the identity belongs to afterwards (another
// user's id means it was already linked elsewhere: the caller reports a conflict).
MATCH (:User {id: $userId})-[:MERGED_INTO*0..10]->(u:User)
WHERE u.mergedInto IS NULL
MERGE (i:Identity {key: $key})
  ON CREATE SET i.channel = $channel, i.externalId = $externalId, i.createdAt = $now,
                i.linkedAt = $now
WITH u, i
OPTIONAL MATCH (i)-[:IDENTIFIES]->(owner:User)
FOREACH (_ IN CASE WHEN owner IS NULL THEN [1] ELSE [] END |
  CREATE (i)-[:IDENTIFIES {linkedAt: $now, linkedBy: $actor, evidence: $evidence}]->(u)
)
RETURN coalesce(owner.id, u.id) AS ownerId, u.id AS userId
