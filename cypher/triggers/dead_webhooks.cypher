// The dead-letter list: webhook deliveries that failed for good, newest first.
MATCH (d:TriggerDelivery)
WHERE d.status = 'DEAD' AND d.nextAttemptAt IS NOT NULL
RETURN d {.id, .firingId, .sessionId, .rule, .url, .attempts, .error,
          createdAt: d.createdAt.epochMillis, updatedAt: d.updatedAt.epochMillis} AS delivery
ORDER BY delivery.updatedAt DESC
LIMIT $limit
