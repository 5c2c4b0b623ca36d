// The open (ACTIVE, IDLE) sessions most recently active, for the periodic trigger evaluation
// (time-based rules, and events the live stream dropped). Index on Session(status, lastActivityAt).
MATCH (s:Session)
WHERE s.status IN ['ACTIVE', 'IDLE'] AND s.lastActivityAt > datetime({epochMillis: $since})
RETURN s.id AS id
ORDER BY s.lastActivityAt DESC
LIMIT $limit
