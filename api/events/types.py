"""GraphQL input and result types of event ingestion."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import strawberry

from api.inputs import flat_input
from api.scalars import JSON, Speaker
from graph.domain.events import EventInput as GraphEventInput

if TYPE_CHECKING:
    from graph.domain.events import IngestResult as GraphIngestResult


@flat_input
@strawberry.input(description="Something that happened on a channel; usually an utterance.")
class EventInput:
    event_id: strawberry.ID = strawberry.field(description="Idempotency key: the platform's id.")
    channel: str = strawberry.field(description="web, mobile, whatsapp, sms, email... (lowercase)")
    external_user_id: str = strawberry.field(description="The user's id on that channel.")
    thread_id: str | None = strawberry.field(
        default=None, description="The platform's conversation id, if it has one."
    )
    session_id: strawberry.ID | None = strawberry.field(
        default=None, description="Attach to this session explicitly (continuation)."
    )
    role: Speaker = Speaker.USER
    text: str | None = None
    occurred_at: datetime | None = strawberry.field(default=None, description="Default: now.")
    attributes: JSON | None = strawberry.field(default=None, description="Session attributes.")
    metadata: JSON | None = strawberry.field(default=None, description="Device, locale, page...")
    agent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The bot or human agent who said a BOT/AGENT message."
    )

    def to_graph(self) -> GraphEventInput:
        return GraphEventInput(
            event_id=str(self.event_id),
            channel=self.channel,
            external_user_id=self.external_user_id,
            thread_id=self.thread_id,
            session_id=str(self.session_id) if self.session_id is not None else None,
            role=self.role,
            text=self.text,
            occurred_at=self.occurred_at,
            # JSON objects are checked by validation; anything else is rejected there
            attributes=cast("dict[str, Any] | None", self.attributes),
            metadata=cast("dict[str, Any] | None", self.metadata),
            agent_id=str(self.agent_id) if self.agent_id is not None else None,
        )


@strawberry.type(description="Where one event landed.")
class IngestedEvent:
    event_id: strawberry.ID
    session_id: strawberry.ID
    message_id: strawberry.ID | None
    seq: int | None
    duplicate: bool


@strawberry.type
class IngestResult:
    accepted: int
    duplicates: int
    results: list[IngestedEvent] = strawberry.field(description="In input order.")

    @classmethod
    def from_result(cls, result: GraphIngestResult) -> IngestResult:
        return cls(
            accepted=result.accepted,
            duplicates=result.duplicates,
            results=[
                IngestedEvent(
                    event_id=strawberry.ID(r.event_id),
                    session_id=strawberry.ID(r.session_id),
                    message_id=strawberry.ID(r.message_id) if r.message_id else None,
                    seq=r.seq,
                    duplicate=r.duplicate,
                )
                for r in result.results
            ],
        )
