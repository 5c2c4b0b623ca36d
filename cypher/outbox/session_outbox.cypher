// A session's replies and how their delivery went, newest first.
MATCH (o:Outbox)
WHERE o.sessionId = $sessionId
RETURN o {.id, .messageId, .channel, .recipient, .status, .attempts, .platformMessageId, .error,
          createdAt: o.createdAt.epochMillis, updatedAt: o.updatedAt.epochMillis,
          nextAttemptAt: o.nextAttemptAt.epochMillis} AS item
ORDER BY item.createdAt DESC, item.id
LIMIT $limit
