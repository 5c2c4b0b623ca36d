"""Background work while the API serves: the outbox sender (stored replies out through the
platform senders the API hands it) and the trigger runner (rules on the live stream and on a
schedule, their actions and webhooks)."""
