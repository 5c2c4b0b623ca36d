"""The GraphQL documents the Python client sends (one per operation)."""

from __future__ import annotations

import re
from pathlib import Path

# Every record the client returns is one of these fragments (`fragments.graphql`): `results.py`
# is generated from them and the schema (`make client-records`), and each operation below
# carries the fragments it spreads (`with_fragments`).
FRAGMENTS = (Path(__file__).parent / "fragments.graphql").read_text()
_DEFINITIONS = {
    match.group(1): match.group(0)
    for match in re.finditer(r"fragment (\w+) on \w+ \{(?:[^{}]|\{[^{}]*\})*\}", FRAGMENTS)
}
_SPREAD = re.compile(r"\.\.\.(\w+)")


def with_fragments(operation: str) -> str:
    """The operation followed by every fragment it spreads, directly or through another."""
    needed: list[str] = []
    pending = _SPREAD.findall(operation)
    while pending:
        name = pending.pop(0)
        if name not in needed:
            needed.append(name)
            pending += _SPREAD.findall(_DEFINITIONS[name])
    return "\n".join([operation.strip(), *(_DEFINITIONS[name] for name in needed)]) + "\n"


INGEST = with_fragments("""
mutation Ingest($events: [EventInput!]!) { ingestEvents(events: $events) { ...IngestResult } }
""")
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
RECALL = with_fragments("""
query Recall($query: String!, $userId: ID, $sessionId: ID, $channel: String,
             $externalUserId: String, $limit: Int, $channels: [String!], $since: DateTime,
             $until: DateTime, $neighbors: Int, $maxChars: Int) {
  recall(query: $query, userId: $userId, sessionId: $sessionId, channel: $channel,
         externalUserId: $externalUserId, limit: $limit, channels: $channels, since: $since,
         until: $until, neighbors: $neighbors) { ...Recalled }
}
""")
BRIEF = with_fragments("""
query Brief($userId: ID, $sessionId: ID, $channel: String, $externalUserId: String,
            $asOf: DateTime, $maxChars: Int) {
  context(userId: $userId, sessionId: $sessionId, channel: $channel,
          externalUserId: $externalUserId, lastMessages: 0, asOf: $asOf) {
    brief { ...Brief }
  }
}
""")
FACTS = with_fragments("""
query Facts($userId: ID!, $types: [String!], $asOf: DateTime) {
  user(id: $userId, asOf: $asOf) { facts(types: $types) { ...Fact } }
}
""")
SET_SESSION_ATTRIBUTES = with_fragments("""
mutation SetSessionAttributes($id: ID!, $attributes: JSON!, $expected: Int, $channel: String) {
  setSessionAttributes(sessionId: $id, attributes: $attributes, expectedVersion: $expected,
                       options: {channel: $channel}) { ...SessionAttributes }
}
""")
SET_USER_ATTRIBUTES = with_fragments("""
mutation SetUserAttributes($id: ID!, $attributes: JSON!, $expected: Int, $channel: String) {
  setUserAttributes(userId: $id, attributes: $attributes, expectedVersion: $expected,
                    options: {channel: $channel}) { ...UserAttributes }
}
""")
HANDOFF = with_fragments("""
mutation Handoff($sessionId: ID!, $agentId: ID!, $reason: String) {
  handoff(sessionId: $sessionId, agentId: $agentId, reason: $reason) { ...SessionInfo }
}
""")
ISSUE_USER_TOKEN = with_fragments("""
mutation IssueUserToken($channel: String!, $externalUserId: String!, $ttlSeconds: Int!) {
  issueUserToken(channel: $channel, externalUserId: $externalUserId, ttlSeconds: $ttlSeconds) {
    ...UserToken
  }
}
""")
UPSERT_AGENT = """
mutation UpsertAgent($id: ID!, $kind: String!, $name: String) {
  upsertAgent(id: $id, kind: $kind, name: $name) { id kind name }
}
"""
CLOSE = with_fragments("""
mutation Close($sessionId: ID!, $reason: String) {
  closeSession(sessionId: $sessionId, reason: $reason) { ...SessionInfo }
}
""")
SEARCH = with_fragments("""
query Search($userId: ID, $channel: String, $externalUserId: String, $entity: String,
             $since: DateTime, $until: DateTime, $limit: Int) {
  searchSessions(userId: $userId, channel: $channel, externalUserId: $externalUserId,
                 entity: $entity, since: $since, until: $until, limit: $limit) { ...SessionInfo }
}
""")
SESSION_MESSAGES = with_fragments("""
query SessionMessages($id: ID!, $last: Int) {
  session(id: $id) { ...SessionInfo messages(last: $last) { ...Turn } }
}
""")
SUBSCRIBE = with_fragments("""
subscription Events($sessionId: ID, $userId: ID) {
  sessionEvents(sessionId: $sessionId, userId: $userId) { ...LiveEvent }
}
""")
