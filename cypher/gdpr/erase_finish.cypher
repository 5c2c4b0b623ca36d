// The person's user nodes go last, and an erasure ledger entry (no identifier, only a keyed
// hash of the user id) records that it happened and what was deleted.
UNWIND $userIds AS id
MATCH (u:User {id: id})
DETACH DELETE u
WITH count(*) AS users
CREATE (l:Erasure {
  id: $erasureId, subjectHash: $subjectHash, at: datetime({epochMillis: $now}), actor: $actor
})
SET l += $counts
RETURN users
