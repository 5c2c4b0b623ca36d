// Whether rule $rule holds for session $sessionId now ($holds), under the session-and-rule state's
// write lock: when it starts to hold, a TriggerFiring is recorded (and returned) — once, however
// many processes evaluate the same event; when it stops, the state resets so it can fire again.
MERGE (t:TriggerState {key: $sessionId + '|' + $rule})
  ON CREATE SET t.sessionId = $sessionId, t.rule = $rule, t.active = false
SET t._lock = true
REMOVE t._lock
WITH t, t.active AS was
SET t.active = $holds, t.updatedAt = datetime({epochMillis: $now})
WITH t, was
WHERE $holds AND NOT was
CREATE (f:TriggerFiring {
  id: $firingId, sessionId: $sessionId, rule: $rule, at: datetime({epochMillis: $now}),
  actions: $actions
})
RETURN f.id AS firingId
