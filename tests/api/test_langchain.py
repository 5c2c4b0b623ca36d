"""The LangChain adapters over the live API, with no LLM: a chat history that sees what came in
on another channel and writes back idempotently, and a retriever over recall."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from connectors.clients.client import ThreadlineClient
from connectors.clients.langchain import ThreadlineChatMessageHistory, ThreadlineRetriever

pytestmark = pytest.mark.integration


def test_the_history_round_trips_messages_from_two_channels(live_server: str, uid: str) -> None:
    with ThreadlineClient(live_server) as client:
        history = ThreadlineChatMessageHistory(client, "web", f"web-{uid}")
        assert history.messages == []  # nobody yet
        history.add_messages(
            [
                HumanMessage("Hi, my blender B-4410 arrived broken", id=f"{uid}-h1"),
                AIMessage("Sorry! I can send a replacement.", id=f"{uid}-a1"),
            ]
        )
        session = client.context(channel="web", external_user_id=f"web-{uid}")["session"]["id"]
        # the same person writes on WhatsApp, into the same conversation
        client.add_message("whatsapp", f"wa-{uid}", "Yes please, same address", session_id=session)
        messages = history.messages
        assert [(m.type, m.text) for m in messages] == [
            ("human", "Hi, my blender B-4410 arrived broken"),
            ("ai", "Sorry! I can send a replacement."),
            ("human", "Yes please, same address"),
        ]
        assert [m.additional_kwargs["channel"] for m in messages] == ["web", "web", "whatsapp"]
        history.add_messages([HumanMessage("again", id=f"{uid}-h1")])  # a replay: stored once
        assert len(history.messages) == 3
        history.clear()
        history.add_user_message("a new topic")
        assert [m.text for m in history.messages] == ["a new topic"]


def test_the_retriever_returns_documents_from_recall(live_server: str, uid: str) -> None:
    with ThreadlineClient(live_server) as client:
        history = ThreadlineChatMessageHistory(client, "sms", f"+1555{uid[:7]}")
        history.add_messages(
            [
                HumanMessage("My kettle K-77 leaks from the bottom"),
                AIMessage("Please send a photo of the leak."),
                HumanMessage("Also, change my delivery day to Friday"),
            ]
        )
        retriever = ThreadlineRetriever(
            client=client, channel="sms", external_user_id=f"+1555{uid[:7]}", k=2, neighbors=1
        )
        documents = retriever.invoke("what was wrong with the kettle?")
        assert documents[0].page_content == "My kettle K-77 leaks from the bottom"
        assert documents[0].metadata["channel"] == "sms"
        assert "keyword" in documents[0].metadata["signals"]
        assert documents[0].metadata["neighbors"] == ["Please send a photo of the leak."]
