"""LangChain / LangGraph adapters over the Python client (extra `threadline[langchain]`).

- `ThreadlineChatMessageHistory`: a `BaseChatMessageHistory` whose messages are a person's
  Threadline session — across channels, so a LangChain app answering on the web sees what the
  customer said on WhatsApp — and whose `add_messages` writes to it (idempotent by message id).
- `ThreadlineRetriever`: a `BaseRetriever` over `recall`: a person's whole cross-channel history
  as LangChain `Document`s, best first, with channel, role, time and why each matched.

Both are thin: every call is one GraphQL call through `ThreadlineClient`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from connectors.clients.client import EventInput, ThreadlineAPIError, ThreadlineClient

ROLE_OF = {"human": "USER", "ai": "BOT", "system": "SYSTEM"}


def to_langchain(role: str, text: str, message_id: str, channel: str) -> BaseMessage:
    """A Threadline message as the LangChain message of its speaker (AGENT and BOT are AI)."""
    metadata: dict[str, Any] = {"channel": channel, "threadline_role": role}
    if role == "USER":
        return HumanMessage(content=text, id=message_id, additional_kwargs=metadata)
    if role == "SYSTEM":
        return SystemMessage(content=text, id=message_id, additional_kwargs=metadata)
    return AIMessage(content=text, id=message_id, additional_kwargs=metadata)


class ThreadlineChatMessageHistory(BaseChatMessageHistory):
    """The conversation of the person known on `channel` as `external_user_id` (their current
    session, every channel's messages, oldest first, up to `last_messages`)."""

    def __init__(
        self,
        client: ThreadlineClient,
        channel: str,
        external_user_id: str,
        *,
        last_messages: int = 100,
        ai_role: str = "BOT",
        agent_id: str | None = None,
    ) -> None:
        self.client = client
        self.channel = channel
        self.external_user_id = external_user_id
        self.last_messages = last_messages
        self.ai_role = ai_role  # BOT, or AGENT for a human-in-the-loop app
        self.agent_id = agent_id

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        try:
            context = self.client.context(
                channel=self.channel,
                external_user_id=self.external_user_id,
                last_messages=self.last_messages,
            )
        except ThreadlineAPIError as error:
            if error.code == "NOT_FOUND":  # nobody yet: an empty history
                return []
            raise
        return [
            to_langchain(m["role"], m["text"] or "", m["id"], m["channel"])
            for m in context["messages"]
        ]

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        events = []
        for message in messages:
            role = ROLE_OF.get(message.type, "USER")
            if role == "BOT":
                role = self.ai_role
            events.append(
                EventInput(
                    event_id=message.id or f"lc-{uuid.uuid4()}",
                    channel=self.channel,
                    external_user_id=self.external_user_id,
                    role=role,
                    text=message.text,
                    agent_id=self.agent_id if role in {"BOT", "AGENT"} else None,
                )
            )
        if events:
            self.client.ingest_events(events)

    def clear(self) -> None:
        """Close the current session: the next message starts a new one (nothing is deleted:
        erasure is `eraseUser`)."""
        context = self.client.context(
            channel=self.channel, external_user_id=self.external_user_id, last_messages=0
        )
        self.client.close_session(context["session"]["id"], "cleared by the LangChain app")


class ThreadlineRetriever(BaseRetriever):
    """Recall over a person's cross-channel history: `invoke(question)` → `Document`s."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    client: ThreadlineClient
    user_id: str | None = None
    channel: str | None = None
    external_user_id: str | None = None
    k: int = 5
    neighbors: int = 0

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        found = self.client.recall(
            query,
            user_id=self.user_id,
            channel=self.channel,
            external_user_id=self.external_user_id,
            limit=self.k,
            neighbors=self.neighbors,
        )
        return [
            Document(
                page_content=hit.message.text or "",
                id=hit.message.id,
                metadata={
                    "session_id": hit.message.session_id,
                    "seq": hit.message.seq,
                    "channel": hit.message.channel,
                    "role": hit.message.role,
                    "at": hit.message.at.isoformat(),
                    "score": hit.score,
                    "signals": hit.signals,
                    "neighbors": [n.text for n in hit.neighbors],
                },
            )
            for hit in found.hits
        ]
