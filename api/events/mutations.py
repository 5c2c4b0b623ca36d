"""`ingestEvents` — the one write path connectors and SDKs use — and `sendMessage`, replies
out through the platforms (stored through the same path, with their outbox item)."""

from __future__ import annotations

import uuid

import strawberry

from api.events.types import EventInput, IngestResult
from api.permissions import allow, require_channel, require_session_channels
from api.request import Info
from api.sessions.types import Message
from api.user_scope import (
    is_end_user,
    require_own_identity,
    require_own_sessions,
    require_user_attribute_keys,
)
from graph.compliance.credentials import Principal
from graph.domain.callers import CallerRole
from graph.domain.errors import BadInputError, ForbiddenError, NotFoundError
from graph.domain.events import EventInput as GraphEvent
from graph.domain.events import Speaker
from graph.store.handoffs import get_agent
from graph.store.outbox import destination_for
from graph.store.sessions import get_message


@strawberry.type
class EventMutations:
    @strawberry.mutation(
        extensions=allow(CallerRole.CONNECTOR, CallerRole.AGENT, CallerRole.USER),
        description="Store a batch of events in one transaction; results in input order. "
        "A replayed eventId returns its original result with duplicate: true. A connector "
        "restricted to channels may name a sessionId only of a session on one of them. Agents "
        "write too: their own replies (role AGENT/BOT) and what a customer told them. A user "
        "token writes only its own identity's USER events, into its own sessions.",
    )
    async def ingest_events(self, info: Info, events: list[EventInput]) -> IngestResult:
        principal = info.context.principal
        for index, event in enumerate(events):
            require_channel(principal, event.channel, index)
            if is_end_user(principal):
                _check_end_user_event(principal, event, index)
                require_user_attribute_keys(
                    principal,
                    event.attributes,
                    info.context.user_attribute_names,
                    f"events[{index}].attributes",
                )
        named = [str(event.session_id) for event in events if event.session_id is not None]
        if named:
            await require_session_channels(principal, info.context.db, named, "events.sessionId")
            await require_own_sessions(principal, info.context.db, named, "events.sessionId")
        result = await info.context.ingest.ingest([event.to_graph() for event in events])
        return IngestResult.from_result(result)

    @strawberry.mutation(
        extensions=allow(CallerRole.AGENT, CallerRole.CONNECTOR),
        description="Reply to the person in a session on their channel (the session's last "
        "one unless `channel` names another they wrote on): the reply is stored as an AGENT "
        "message (BOT when `agentId` is a registered bot, or the caller a connector) with "
        "`delivery` QUEUED, then sent through the platform's API by the outbox — WhatsApp, "
        "Messenger, SMS (Twilio), Slack (in the thread), email (threaded), web/mobile (the live "
        "subscription) — and its delivery follows the platform's status reports. Idempotent by "
        "`eventId` (one is generated without it). A connector key only on its channels.",
    )
    async def send_message(
        self,
        info: Info,
        session_id: strawberry.ID,
        text: str,
        channel: str | None = None,
        event_id: strawberry.ID | None = None,
        agent_id: strawberry.ID | None = None,
    ) -> Message:
        if not text.strip():
            raise BadInputError("text must not be empty", field="text")
        principal = info.context.principal
        db = info.context.db
        await require_session_channels(principal, db, [str(session_id)])
        target = await destination_for(db, str(session_id), channel)
        require_channel(principal, target.channel)
        role = Speaker.AGENT
        if agent_id is not None:
            agent = await get_agent(db, str(agent_id))
            if agent is None:
                raise NotFoundError(f"no agent {agent_id!r}", field="agentId")
            role = Speaker.BOT if agent.kind == "BOT" else Speaker.AGENT
        elif principal is not None and principal.role is CallerRole.CONNECTOR:
            role = Speaker.BOT
        reply = GraphEvent(
            event_id=str(event_id) if event_id is not None else f"reply-{uuid.uuid4()}",
            channel=target.channel,
            external_user_id=target.recipient,
            session_id=str(session_id),
            role=role,
            text=text,
            agent_id=str(agent_id) if agent_id is not None else None,
            outbound=target,
        )
        [stored] = (await info.context.ingest.ingest([reply])).results
        if info.context.outbox is not None:
            info.context.outbox.wake()
        message = await get_message(db, str(stored.message_id)) if stored.message_id else None
        if message is None:  # erased meanwhile
            raise NotFoundError(f"no session {session_id!r}", field="sessionId")
        return Message.from_record(message)


def _check_end_user_event(principal: Principal | None, event: EventInput, index: int) -> None:
    """A user token's event: its own identity, said by the person (USER), outside any thread
    (a thread id could put it in someone else's conversation)."""
    where = f"events[{index}]"
    require_own_identity(
        principal, event.channel, event.external_user_id, f"{where}.externalUserId"
    )
    if event.role is not Speaker.USER or event.agent_id is not None:
        raise ForbiddenError(f"{where}.role: a user token writes USER events only", field="role")
    if event.thread_id is not None:
        raise ForbiddenError(f"{where}.threadId: not for user tokens", field="threadId")
