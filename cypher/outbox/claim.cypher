// Claim up to $limit replies due for sending: QUEUED with nextAttemptAt passed, except on
// channels whose platform pulls replies itself ($pulled: phone, spoken at Twilio's next request). Each is locked
// (the SET takes its write lock) and re-checked, so of several workers (API instances) one wins;
// the winner marks it SENDING with a lease and counts the attempt. Returns what to send.
MATCH (o:Outbox)
WHERE o.status = 'QUEUED' AND o.nextAttemptAt <= datetime({epochMillis: $now})
  AND NOT o.channel IN $pulled
WITH o ORDER BY o.nextAttemptAt LIMIT $limit
SET o._lock = true
REMOVE o._lock
WITH o
WHERE o.status = 'QUEUED'
SET o.status = 'SENDING', o.attempts = o.attempts + 1,
    o.leaseUntil = datetime({epochMillis: $now + $leaseMillis}),
    o.updatedAt = datetime({epochMillis: $now})
WITH o
MATCH (m:Message)-[:DELIVERED_BY]->(o)
SET m.deliveryStatus = 'SENDING', m.deliveryAt = datetime({epochMillis: $now})
RETURN o {.id, .messageId, .sessionId, .channel, .recipient, .destination, .attempts,
          text: m.text} AS item
