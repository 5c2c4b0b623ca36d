// A session's trigger firings, newest first (with what their actions did and their webhooks).
MATCH (f:TriggerFiring)
WHERE f.sessionId = $sessionId
RETURN f {.id, .rule, .actions, .outcomes, at: f.at.epochMillis,
  webhooks: COLLECT {
    MATCH (d:TriggerDelivery {firingId: f.id})
    RETURN d {.url, .status, .attempts, .error}
  }} AS firing
ORDER BY firing.at DESC
LIMIT $limit
