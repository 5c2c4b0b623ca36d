"""The live events each kind of committed write publishes (see graph.live.bus)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.domain.records import json_value
from graph.live.bus import LiveEvent, LiveEventKind

if TYPE_CHECKING:
    from graph.domain.events import IngestedEvent, ValidEvent
    from graph.domain.records import MergeRecord, SessionRecord
    from graph.live.bus import EventBus


def publish_ingested(bus: EventBus, batch: list[ValidEvent], results: list[IngestedEvent]) -> None:
    """One MESSAGE/EVENT per newly stored event (replays publish nothing), plus ATTRIBUTES for
    the attributes it carried."""
    if not bus.has_subscribers:  # the common case: no agent desktop is watching
        return
    for event, result in zip(batch, results, strict=True):
        if result.duplicate:
            continue
        source = event.source
        common: dict[str, Any] = {
            "at": event.at,
            "session_id": result.session_id,
            "user_id": result.user_id,
            "channel": source.channel,
        }
        kind = LiveEventKind.MESSAGE if event.is_message else LiveEventKind.EVENT
        bus.publish(
            LiveEvent(
                kind,
                role=source.role.value,
                message_id=result.message_id,
                seq=result.seq,
                text=source.text,
                agent_id=source.agent_id,
                **common,
            )
        )
        if event.attributes:
            values = {key: json_value(text) for key, text in event.attributes.items()}
            bus.publish(LiveEvent(LiveEventKind.ATTRIBUTES, attributes=values, **common))


def publish_attributes(
    bus: EventBus,
    session_id: str | None,
    user_id: str | None,
    channel: str | None,
    values: dict[str, Any],
) -> None:
    bus.publish(
        LiveEvent(
            LiveEventKind.ATTRIBUTES,
            datetime.now(UTC),
            session_id=session_id,
            user_id=user_id,
            channel=channel,
            attributes=values,
        )
    )


def _session_change(
    bus: EventBus, kind: LiveEventKind, session: SessionRecord, **fields: Any
) -> None:
    bus.publish(
        LiveEvent(kind, datetime.now(UTC), session_id=session.id, user_id=session.user_id, **fields)
    )


def publish_status(bus: EventBus, session: SessionRecord, cause: str | None) -> None:
    _session_change(bus, LiveEventKind.STATUS, session, status=session.status, cause=cause)


def publish_handoff(bus: EventBus, session: SessionRecord, reason: str | None) -> None:
    _session_change(bus, LiveEventKind.HANDOFF, session, agent_id=session.handler_id, cause=reason)


def publish_merge(bus: EventBus, merge: MergeRecord, kind: LiveEventKind) -> None:
    """MERGE/UNMERGE to the subscribers of both users, each told the other: the merged-away
    user's subscribers hear nothing more of it and should follow the survivor."""
    at = datetime.now(UTC)
    for user_id, other in ((merge.target_id, merge.source_id), (merge.source_id, merge.target_id)):
        bus.publish(LiveEvent(kind, at, user_id=user_id, other_user_id=other, cause=merge.evidence))
