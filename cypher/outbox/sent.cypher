// A reply the platform accepted: SENT with the platform's message id (status reports name it),
// unless a status report already moved it further.
MATCH (m:Message)-[:DELIVERED_BY]->(o:Outbox {id: $id})
SET o.status = CASE WHEN o.status IN ['DELIVERED', 'READ'] THEN o.status ELSE 'SENT' END,
    o.platformMessageId = $platformMessageId, o.error = null, o.leaseUntil = null,
    o.updatedAt = datetime({epochMillis: $now})
SET m.deliveryStatus = o.status, m.deliveryError = null, m.deliveryAt = datetime({epochMillis: $now})
RETURN o.status AS status
