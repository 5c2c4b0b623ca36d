// A platform's status report (a WhatsApp `statuses` entry, a Twilio status callback) for the
// message it knows as $platformMessageId: applied when it moves the delivery forward ($rank: the
// order of statuses, FAILED only before anything was delivered).
MATCH (m:Message)-[:DELIVERED_BY]->(o:Outbox {platformMessageId: $platformMessageId})
WITH m, o, $rank[coalesce(o.status, 'QUEUED')] AS before
WHERE o.status <> 'FAILED'
  AND (($status = 'FAILED' AND NOT o.status IN ['DELIVERED', 'READ'])
       OR ($status <> 'FAILED' AND $rank[$status] > before))
SET o.status = $status, o.error = $error, o.updatedAt = datetime({epochMillis: $now}),
    m.deliveryStatus = $status, m.deliveryError = $error,
    m.deliveryAt = datetime({epochMillis: $at})
RETURN m.id AS messageId, m.sessionId AS sessionId
