"""Threadline as a Model Context Protocol server: memory tools for LLM agents (`threadline mcp`).

It talks to a running Threadline over its GraphQL API through the Python client — not to Neo4j
in-process — so every tool call is authenticated, authorised by the key's role, rate-limited and
audited exactly like the GraphQL call it makes, the server's PII masking applies, and the MCP
process needs no database credentials (it can run on the agent's machine). It acts for one API
key (`THREADLINE_TOKEN`); over HTTP (`--http`) each MCP request must carry its own `Authorization:
Bearer <Threadline API key or JWT>`, which is forwarded, so the same auth as `/graphql` applies.
Errors come back as MCP tool errors: the SDK's `Error executing tool <name>: `, then the
Threadline error code and message (`NOT_FOUND: no session 'ses_…'`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

import anyio
import httpx
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from pydantic import Field

from connectors.clients.client import ThreadlineClient
from connectors.clients.errors import ThreadlineAPIError
from connectors.clients.results import SessionAttributes, Turn, UserAttributes

T = TypeVar("T")
INSTRUCTIONS = (
    "Threadline is the cross-channel conversation memory of a business: every message a "
    "customer sent on the web chat, the app, WhatsApp, SMS, email or voice, one person across "
    "channels. Start with get_brief or get_context for the conversation at hand (by session id, "
    "user id, or the customer's channel and id on it); use recall to find what the person said "
    "earlier on any channel; record what you say with add_message (role BOT or AGENT)."
)

UserId = Annotated[
    str | None, Field(description="Threadline user id (usr_…): the person, across channels.")
]
SessionId = Annotated[str | None, Field(description="Threadline session id (ses_…).")]
Channel = Annotated[
    str | None,
    Field(description="With external_user_id: the channel (web, mobile, whatsapp, sms, email…)."),
]
ExternalUserId = Annotated[
    str | None,
    Field(description="With channel: the person's id on it (phone number, email, cookie id…)."),
]


def _plain(value: Any) -> Any:
    """Dataclasses, datetimes and lists as JSON-ready values."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return _plain(asdict(value))
    return value


def render_turns(turns: list[Turn]) -> str:
    return "\n".join(
        f"[{t.at:%Y-%m-%d %H:%M UTC}] #{t.seq} {t.channel} {t.role}: {t.text or ''}" for t in turns
    )


class ThreadlineTools:
    """Runs each tool's client call on a worker thread with the caller's token."""

    def __init__(self, url: str, token: str | None, *, forward_bearer: bool) -> None:
        self.url = url
        self.token = token
        self.forward_bearer = forward_bearer

    def _token(self, ctx: Context | None) -> str | None:
        if not self.forward_bearer:
            return self.token
        request = ctx.request_context.request if ctx is not None else None
        header = request.headers.get("authorization", "") if request is not None else ""
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise ToolError("UNAUTHENTICATED: send Authorization: Bearer <Threadline API key>")
        return credentials.strip()

    async def call(self, ctx: Context | None, work: Callable[[ThreadlineClient], T]) -> T:
        token = self._token(ctx)

        def run() -> T:
            with ThreadlineClient(self.url, token=token, retries=1) as client:
                return work(client)

        try:
            return await anyio.to_thread.run_sync(run)
        except ThreadlineAPIError as error:
            raise ToolError(str(error)) from None
        except httpx.HTTPStatusError as error:
            code = "UNAUTHENTICATED" if error.response.status_code == 401 else "UNAVAILABLE"
            raise ToolError(
                f"{code}: Threadline answered HTTP {error.response.status_code}"
            ) from None
        except httpx.HTTPError as error:
            raise ToolError(
                f"UNAVAILABLE: Threadline at {self.url} is unreachable ({error})"
            ) from None


def build_server(url: str, token: str | None, *, forward_bearer: bool = False) -> MCPServer:
    """The MCP server with Threadline's tools and the session timeline resource."""
    tools = ThreadlineTools(url, token, forward_bearer=forward_bearer)
    server: MCPServer = MCPServer("threadline", instructions=INSTRUCTIONS)

    def later(ctx: Context, work: Callable[[ThreadlineClient], T]) -> Awaitable[T]:
        return tools.call(ctx, work)

    @server.tool(
        description="The conversation as an agent picking it up needs it: the current session "
        "of a person (or a given session) with its last messages from every channel (oldest "
        "first), the entities mentioned, intents, sentiment and session attributes. Select by "
        "session_id, user_id, or channel + external_user_id (exactly one)."
    )
    async def get_context(
        ctx: Context,
        session_id: SessionId = None,
        user_id: UserId = None,
        channel: Channel = None,
        external_user_id: ExternalUserId = None,
        last_messages: Annotated[int, Field(ge=0, le=500, description="How many messages.")] = 20,
        include_previous: Annotated[
            int, Field(ge=0, le=10, description="Earlier sessions it continues to include.")
        ] = 0,
    ) -> dict[str, Any]:
        return await later(
            ctx,
            lambda c: c.context(
                session_id=session_id,
                user_id=user_id,
                channel=channel,
                external_user_id=external_user_id,
                last_messages=last_messages,
                include_previous=include_previous,
            ),
        )

    @server.tool(
        description="Memory recall: the messages of a person's whole cross-channel history that "
        "best answer a question (keywords, the ids/emails/dates it names, the time it names "
        "such as 'last May'), each with why it matched, plus `text`: the hits as prompt-ready "
        "lines. Select the person by user_id or channel + external_user_id, or one session."
    )
    async def recall(
        ctx: Context,
        query: Annotated[str, Field(min_length=1, max_length=2000, description="The question.")],
        user_id: UserId = None,
        session_id: SessionId = None,
        channel: Channel = None,
        external_user_id: ExternalUserId = None,
        limit: Annotated[int, Field(ge=1, le=100, description="How many messages.")] = 10,
        neighbors: Annotated[
            int, Field(ge=0, le=5, description="Turns before/after each hit to include.")
        ] = 1,
    ) -> dict[str, Any]:
        found = await later(
            ctx,
            lambda c: c.recall(
                query,
                user_id=user_id,
                session_id=session_id,
                channel=channel,
                external_user_id=external_user_id,
                limit=limit,
                neighbors=neighbors,
                max_chars=4000,
            ),
        )
        return {"hits": _plain(found.hits), "text": found.text}

    @server.tool(
        description="The handoff brief of a conversation (a person's current session, or a "
        "given one): the issue, what happened, the entities collected, open questions, steps "
        "already taken, the sentiment trend and the key turns, each pointing at its message — "
        "and `text`, the brief as a few lines to read first."
    )
    async def get_brief(
        ctx: Context,
        session_id: SessionId = None,
        user_id: UserId = None,
        channel: Channel = None,
        external_user_id: ExternalUserId = None,
        max_chars: Annotated[int, Field(ge=0, le=20000, description="Cut `text` here.")] = 2000,
    ) -> dict[str, Any]:
        brief = await later(
            ctx,
            lambda c: c.brief(
                session_id=session_id,
                user_id=user_id,
                channel=channel,
                external_user_id=external_user_id,
                max_chars=max_chars,
            ),
        )
        return dict(_plain(brief))

    @server.tool(
        description="Record one message in the person's conversation (continuing their current "
        "session on any channel, or the given session_id). Idempotent by event_id: give the "
        "platform's message id when you have one; one is generated otherwise."
    )
    async def add_message(
        ctx: Context,
        channel: Annotated[str, Field(description="web, mobile, whatsapp, sms, email, voice…")],
        external_user_id: Annotated[str, Field(description="The customer's id on that channel.")],
        text: Annotated[str, Field(min_length=1, description="What was said.")],
        role: Annotated[
            Literal["USER", "BOT", "AGENT", "SYSTEM"],
            Field(description="Who said it: the customer (USER), a bot, a human agent."),
        ] = "USER",
        event_id: Annotated[str | None, Field(description="Idempotency key.")] = None,
        session_id: SessionId = None,
        agent_id: Annotated[str | None, Field(description="BOT/AGENT: who said it.")] = None,
    ) -> dict[str, Any]:
        stored = await later(
            ctx,
            lambda c: c.add_message(
                channel,
                external_user_id,
                text,
                role=role,
                event_id=event_id,
                session_id=session_id,
                agent_id=agent_id,
            ),
        )
        return dict(_plain(stored))

    @server.tool(
        description="Merge attributes (a JSON object) into a session's state (session_id) or a "
        "person's (user_id), each key by its merge policy. With expected_version, only if "
        "nothing changed since you read that version (else a CONFLICT error with the current "
        "version and values). Returns the new version and all values."
    )
    async def set_attributes(
        ctx: Context,
        attributes: Annotated[dict[str, Any], Field(description="Keys [A-Za-z0-9_.-]{1,64}.")],
        session_id: SessionId = None,
        user_id: UserId = None,
        expected_version: Annotated[
            int | None, Field(description="Compare-and-set on the owner's version.")
        ] = None,
        channel: Annotated[str | None, Field(description="The channel writing.")] = None,
    ) -> dict[str, Any]:
        if (session_id is None) == (user_id is None):
            raise ToolError("BAD_INPUT: give exactly one of session_id and user_id")
        written: SessionAttributes | UserAttributes
        if session_id is not None:
            owner = session_id
            written = await later(
                ctx,
                lambda c: c.set_session_attributes(
                    owner, attributes, expected_version=expected_version, channel=channel
                ),
            )
        else:
            person = str(user_id)
            written = await later(
                ctx,
                lambda c: c.set_user_attributes(
                    person, attributes, expected_version=expected_version, channel=channel
                ),
            )
        return dict(_plain(written))

    @server.tool(
        description="Hand the session to a registered agent (a human or a bot), with the "
        "reason; the agent's desktop receives the handoff brief."
    )
    async def handoff(
        ctx: Context,
        session_id: Annotated[str, Field(description="Threadline session id (ses_…).")],
        agent_id: Annotated[str, Field(description="A registered agent's id.")],
        reason: Annotated[str | None, Field(description="Why, for the next agent.")] = None,
    ) -> dict[str, Any]:
        session = await later(ctx, lambda c: c.handoff(session_id, agent_id, reason))
        return dict(_plain(session))

    @server.tool(
        description="Find sessions by person (user_id, or channel + external_user_id), by an "
        "entity mentioned (ORDER_ID:A1001, or words like 'order A-1001'), and/or by time "
        "(active between since and until, ISO 8601); most recently active first."
    )
    async def search_sessions(
        ctx: Context,
        user_id: UserId = None,
        channel: Channel = None,
        external_user_id: ExternalUserId = None,
        entity: Annotated[str | None, Field(description="An entity key or words.")] = None,
        since: Annotated[datetime | None, Field(description="Active at or after.")] = None,
        until: Annotated[datetime | None, Field(description="Started at or before.")] = None,
        limit: Annotated[int, Field(ge=1, le=100, description="How many sessions.")] = 10,
    ) -> list[dict[str, Any]]:
        found = await later(
            ctx,
            lambda c: c.search_sessions(
                user_id=user_id,
                channel=channel,
                external_user_id=external_user_id,
                entity=entity,
                since=since,
                until=until,
                limit=limit,
            ),
        )
        return [dict(_plain(s)) for s in found]

    @server.resource(
        "threadline://session/{session_id}",
        name="session",
        description="A session's timeline: its status and channels, then its last 200 messages "
        "across channels, one line per turn.",
        mime_type="text/plain",
    )
    async def session_timeline(session_id: str, ctx: Context) -> str:
        try:
            info, turns = await tools.call(ctx, lambda c: c.session(session_id, last=200))
        except ToolError as error:
            raise ResourceError(str(error)) from None
        head = (
            f"session {info.id} · user {info.user_id} · {info.status} · "
            f"channels {', '.join(info.channels)} · {info.seq} messages"
        )
        return head + "\n" + render_turns(turns)

    close_input_schemas(server)
    return server


def close_input_schemas(server: MCPServer) -> None:
    """Every tool's input schema is closed: an argument it does not declare (`extra: "x"`) is
    refused by the SDK's validation before any call, and the published schema says so
    (`additionalProperties: false`), instead of being silently dropped."""
    for tool in server._tool_manager.list_tools():
        model = tool.fn_metadata.arg_model
        model.model_config["extra"] = "forbid"
        model.model_rebuild(force=True)
        tool.parameters["additionalProperties"] = False
