// The channels each named session has been used on (unknown ids are left out).
UNWIND $ids AS id
MATCH (s:Session {id: id})
RETURN s.id AS id, coalesce(s.channels, []) AS channels
