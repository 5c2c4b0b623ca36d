// Mark a claimed token used, by which identity.
MATCH (t:ContinuationToken {hash: $hash})
SET t.usedAt = datetime({epochMillis: $now}), t.usedBy = $identityKey
