// Continuation tokens that expired before $before (used or not): one batch, deleted.
MATCH (t:ContinuationToken)
WHERE t.expiresAt < datetime({epochMillis: $before})
WITH t LIMIT $limit
DETACH DELETE t
RETURN count(*) AS deleted
