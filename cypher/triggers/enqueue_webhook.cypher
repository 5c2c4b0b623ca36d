// A signed outbound webhook of a firing, queued for the delivery worker (retried with backoff;
// DEAD after its last attempt, listed for admins).
CREATE (d:TriggerDelivery {
  id: $id, firingId: $firingId, sessionId: $sessionId, rule: $rule, url: $url,
  secretEnv: $secretEnv, payload: $payload, status: 'QUEUED', attempts: 0,
  createdAt: datetime({epochMillis: $now}), nextAttemptAt: datetime({epochMillis: $now})
})
RETURN d.id AS id
