"""Per-request GraphQL context: the database handle, a request id, and per-request DataLoaders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from enrichment.patterns import ConversationRules, load_conversation_rules
from graph.store.users import get_users

if TYPE_CHECKING:
    from enrichment.embeddings import Embedder
    from enrichment.pipeline import Enricher
    from graph.compliance.audit import AuditLog
    from graph.compliance.credentials import Authenticator, Principal
    from graph.config import AnalyticsLimits
    from graph.domain.attribute_policies import PolicyRule
    from graph.domain.records import UserRecord
    from graph.pipeline.batcher import IngestBatcher
    from graph.store.database import Database
    from graph.workers.outbox_sender import OutboxWorker


def _user_loader(db: Database) -> DataLoader[str, UserRecord | None]:
    async def load(ids: list[str]) -> list[UserRecord | None]:
        found = await get_users(db, ids)
        return [found.get(user_id) for user_id in ids]

    return DataLoader(load_fn=load)


@dataclass
class RequestContext:
    """What resolvers see as `info.context`."""

    db: Database
    ingest: IngestBatcher
    audit: AuditLog
    max_context_messages: int  # THREADLINE_MAX_CONTEXT_MESSAGES, the largest read of messages
    analytics_limits: AnalyticsLimits
    attribute_policies: tuple[PolicyRule, ...]  # THREADLINE_ATTRIBUTE_POLICIES
    principal: Principal | None = None  # set by authentication (HTTP) or connection_init (WS)
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    connection_params: dict[str, object] | None = None  # graphql-transport-ws connection_init
    websocket: bool = False  # the request came over a WebSocket (subscriptions need one)
    enricher: Enricher | None = None  # the messages' pipeline (entities searched by text)
    # recall's questions: rule-based (graph.pipeline.enrich.question_enricher_for)
    question_enricher: Enricher | None = None
    embedder: Embedder | None = None  # THREADLINE_EMBEDDINGS (None: off)
    conversation_rules: ConversationRules = field(default_factory=load_conversation_rules)
    outbox: OutboxWorker | None = None  # woken when sendMessage queues a reply
    authenticator: Authenticator | None = None  # issues user tokens (issueUserToken)
    # THREADLINE_USER_ATTRIBUTE_KEYS: the `user.` names a user token may write (None: any)
    user_attribute_names: frozenset[str] | None = None
    users: DataLoader[str, UserRecord | None] = field(init=False)

    def __post_init__(self) -> None:
        self.users = _user_loader(self.db)


Info = StrawberryInfo[RequestContext, None]
