"""The GraphQL documents the Python client sends (one per operation)."""

from __future__ import annotations

TURN = "fragment turn on Message { id sessionId seq channel role text at }"
SESSION_FIELDS = (
    "fragment session on Session { id userId status channels seq version createdAt "
    "lastActivityAt handlerId }"
)

INGEST = """
mutation Ingest($events: [EventInput!]!) {
  ingestEvents(events: $events) {
    accepted duplicates results { eventId sessionId messageId seq duplicate }
  }
}
"""
CONTEXT = """
query Context($userId: ID, $sessionId: ID, $channel: String, $externalUserId: String,
              $last: Int, $previous: Int, $asOf: DateTime) {
  context(userId: $userId, sessionId: $sessionId, channel: $channel,
          externalUserId: $externalUserId, lastMessages: $last, includePrevious: $previous,
          asOf: $asOf) {
    user { id identities { channel externalId } }
    session { id status seq channels handlerId }
    messages { id seq channel role text at sentiment entities { key } intents { name } }
    entities { key type value mentions channels lastSeenAt }
    intents { name messages confidence }
    attributes channels sentiment
    previous { session { id status } messages { id seq channel role text at } }
  }
}
"""
RECALL = (
    """
query Recall($query: String!, $userId: ID, $sessionId: ID, $channel: String,
             $externalUserId: String, $limit: Int, $channels: [String!], $since: DateTime,
             $until: DateTime, $neighbors: Int, $maxChars: Int) {
  recall(query: $query, userId: $userId, sessionId: $sessionId, channel: $channel,
         externalUserId: $externalUserId, limit: $limit, channels: $channels, since: $since,
         until: $until, neighbors: $neighbors) {
    hits { score signals message { ...turn } neighbors { ...turn } }
    text(maxChars: $maxChars)
  }
}
"""
    + TURN
)
BRIEF = """
query Brief($userId: ID, $sessionId: ID, $channel: String, $externalUserId: String,
            $asOf: DateTime, $maxChars: Int) {
  context(userId: $userId, sessionId: $sessionId, channel: $channel,
          externalUserId: $externalUserId, lastMessages: 0, asOf: $asOf) {
    session { id }
    brief {
      issue { intent message { id seq channel role text at } }
      intents { intent }
      channelPath
      entities { key type value message { seq } }
      openQuestions { ...briefTurn }
      stepsTaken { ...briefTurn }
      keyTurns { ...briefTurn }
      handoffs { fromAgentId agentId agentKind reason at }
      sentiment trend slope falling
      text(maxChars: $maxChars)
    }
  }
}
fragment briefTurn on BriefTurn { id seq channel role text at }
"""
FACTS = """
query Facts($userId: ID!, $types: [String!], $asOf: DateTime) {
  user(id: $userId, asOf: $asOf) {
    facts(types: $types) {
      key type value at channel source { kind id seq } superseded { value at channel }
    }
  }
}
"""
SET_SESSION_ATTRIBUTES = """
mutation SetSessionAttributes($id: ID!, $attributes: JSON!, $expected: Int, $channel: String) {
  setSessionAttributes(sessionId: $id, attributes: $attributes, expectedVersion: $expected,
                       options: {channel: $channel}) { version attributes }
}
"""
SET_USER_ATTRIBUTES = """
mutation SetUserAttributes($id: ID!, $attributes: JSON!, $expected: Int, $channel: String) {
  setUserAttributes(userId: $id, attributes: $attributes, expectedVersion: $expected,
                    options: {channel: $channel}) { version attributes }
}
"""
HANDOFF = (
    """
mutation Handoff($sessionId: ID!, $agentId: ID!, $reason: String) {
  handoff(sessionId: $sessionId, agentId: $agentId, reason: $reason) { ...session attributes }
}
"""
    + SESSION_FIELDS
)
ISSUE_USER_TOKEN = """
mutation IssueUserToken($channel: String!, $externalUserId: String!, $ttlSeconds: Int!) {
  issueUserToken(channel: $channel, externalUserId: $externalUserId, ttlSeconds: $ttlSeconds) {
    token channel externalUserId expiresAt
  }
}
"""  # noqa: S105 (a query, not a secret)
UPSERT_AGENT = """
mutation UpsertAgent($id: ID!, $kind: String!, $name: String) {
  upsertAgent(id: $id, kind: $kind, name: $name) { id kind name }
}
"""
CLOSE = (
    """
mutation Close($sessionId: ID!, $reason: String) {
  closeSession(sessionId: $sessionId, reason: $reason) { ...session attributes }
}
"""
    + SESSION_FIELDS
)
SEARCH = (
    """
query Search($userId: ID, $channel: String, $externalUserId: String, $entity: String,
             $since: DateTime, $until: DateTime, $limit: Int) {
  searchSessions(userId: $userId, channel: $channel, externalUserId: $externalUserId,
                 entity: $entity, since: $since, until: $until, limit: $limit) { ...session }
}
"""
    + SESSION_FIELDS
)
SESSION_MESSAGES = (
    """
query SessionMessages($id: ID!, $last: Int) {
  session(id: $id) { ...session attributes messages(last: $last) { ...turn } }
}
"""
    + SESSION_FIELDS
    + "\n"
    + TURN
)
SUBSCRIBE = """
subscription Events($sessionId: ID, $userId: ID) {
  sessionEvents(sessionId: $sessionId, userId: $userId) {
    kind at sessionId userId channel role text seq attributes agentId status
    brief { text(maxChars: 2000) }
  }
}
"""
