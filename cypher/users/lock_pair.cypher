// Lock two users (a merge's source and target) before checking them: both write locks are held
// until the transaction ends, so concurrent merges of the same people are strictly ordered.
UNWIND $ids AS id
MATCH (u:User {id: id})
SET u._lock = true
REMOVE u._lock
RETURN u.id AS id, u.mergedInto AS mergedInto
