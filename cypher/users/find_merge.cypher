// One merge with the state `unmerge` needs, locking its record (concurrent unmerges serialise).
MATCH (m:Merge {id: $mergeId})
SET m._lock = true
REMOVE m._lock
RETURN m.id AS id, m.sourceId AS sourceId, m.targetId AS targetId, m.status AS status
