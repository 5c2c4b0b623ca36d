"""Memory recall on a hand-built cross-channel history with known answers: each signal on its
own (keyword, entity, entity hop, date, neighbours), scope (user, merged users, identity,
session, channels, roles, time), erasure, and bad input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from enrichment.pipeline import Enricher
from graph.compliance.gdpr import erase_user
from graph.domain.errors import BadInputError, LimitExceededError, NotFoundError
from graph.domain.events import EventInput, Speaker
from graph.domain.recall import keyword_scores, question_terms
from graph.domain.records import RecallRecord
from graph.pipeline.ingest import ingest_events
from graph.recall.request import RecallRequest
from graph.recall.search import scope
from graph.recall.service import recall
from graph.store.attributes import AttributeWrite, Owner, set_attributes
from graph.store.context import ContextSelector
from graph.store.database import Database
from graph.store.handoffs import handoff, upsert_agent
from graph.store.merges import merge_users
from graph.store.users import link_identity

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
UPS = "1Z999AA10123456784"


@dataclass
class History:
    user_id: str
    sessions: dict[str, str]  # label -> session id
    texts: dict[str, str]  # message id -> text


def _turns(uid: str) -> list[tuple[str, int, str, Speaker, str]]:
    """(label, days ago, channel, role, text) in time order; one session per label."""
    return [
        ("address", 200, "web", Speaker.USER, "Hi, please change my delivery address."),
        ("address", 200, "web", Speaker.AGENT, "Sure, what is the new address?"),
        ("address", 200, "web", Speaker.USER, "42 Elm Street, Springfield."),
        ("address", 200, "web", Speaker.AGENT, "Thanks, updated."),
        ("damaged", 120, "whatsapp", Speaker.USER, "My order A-1001 arrived with a cracked screen"),
        ("damaged", 120, "whatsapp", Speaker.AGENT, "Sorry about that, we will replace it."),
        (
            "ship",
            110,
            "whatsapp",
            Speaker.AGENT,
            "Replacement for A-1001 ships as 1Z999AA10123456784",
        ),
        ("ship", 110, "whatsapp", Speaker.AGENT, "It should arrive within a week."),
        ("chat", 90, "web", Speaker.USER, "What are your opening hours on weekends?"),
        ("chat", 90, "web", Speaker.BOT, "We are open 9 to 5 every day."),
        (
            "track",
            85,
            "web",
            Speaker.AGENT,
            "Tracking 1Z999AA10123456784 shows it in Memphis today.",
        ),
        ("money", 30, "email", Speaker.USER, "Could I get my money back for the headphones?"),
        ("money", 30, "email", Speaker.AGENT, "Yes, the refund of $59.99 was issued yesterday."),
        ("late", 1, "web", Speaker.USER, "Hello again, thanks for the help so far."),
    ]


async def build_history(db: Database, enricher: Enricher, uid: str) -> History:
    sessions: dict[str, str] = {}
    texts: dict[str, str] = {}
    turns = _turns(uid)
    for n, (label, days, channel, role, text) in enumerate(turns):
        external = f"{uid}-{channel}"
        event = EventInput(
            f"{uid}-{n}",
            channel,
            external,
            session_id=sessions.get(label),
            role=role,
            text=text,
            occurred_at=NOW - timedelta(days=days, minutes=len(turns) - n),
        )
        result = await ingest_events(db, [event], enricher)
        [written] = result.results
        sessions.setdefault(label, written.session_id)
        assert written.message_id is not None
        texts[written.message_id] = text
        if n == 0:
            user_id = await _user_of(db, written.session_id)
            for other in ("whatsapp", "email"):
                await link_identity(db, user_id, other, f"{uid}-{other}")
    return History(user_id, sessions, texts)


async def _user_of(db: Database, session_id: str) -> str:
    [row] = await db.write_rows("read/session", id=session_id)
    return str(row["userId"])


async def ask(
    db: Database,
    enricher: Enricher,
    query: str,
    selector: ContextSelector,
    **options: object,
) -> RecallRecord:
    await db.driver.execute_query(
        "CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()", database_=db.name
    )
    request = RecallRequest(query=query, **options)  # type: ignore[arg-type]
    return await recall(db, selector, request, enricher=enricher, embedder=None, now=NOW)


def texts_of(found: RecallRecord) -> list[str]:
    return [hit.message.text or "" for hit in found.hits]


@pytest.fixture
async def history(db: Database, rules_enricher: Enricher, uid: str) -> History:
    return await build_history(db, rules_enricher, uid)


async def test_keywords_match_other_word_forms(
    db: Database, rules_enricher: Enricher, history: History
) -> None:
    found = await ask(
        db,
        rules_enricher,
        "were the headphones refunded?",
        ContextSelector(user_id=history.user_id),
    )
    # the question and its answer: "refunded" finds "refund" (stemming)
    assert set(texts_of(found)[:2]) == {
        "Could I get my money back for the headphones?",
        "Yes, the refund of $59.99 was issued yesterday.",
    }
    assert all("keyword" in hit.signals for hit in found.hits[:2])
    assert {hit.message.channel for hit in found.hits[:2]} == {"email"}


async def test_an_entity_finds_every_message_that_mentions_it_in_any_form(
    db: Database, rules_enricher: Enricher, history: History, uid: str
) -> None:
    found = await ask(
        db, rules_enricher, "what happened with A1001", ContextSelector(user_id=history.user_id)
    )
    assert set(texts_of(found)[:2]) == {
        "My order A-1001 arrived with a cracked screen",
        "Replacement for A-1001 ships as 1Z999AA10123456784",
    }
    assert "entity:ORDER_ID:A1001" in found.hits[0].signals
    assert found.entities[0].key == "ORDER_ID:A1001"
    assert found.entities[0].mentions == 2
    assert found.entities[0].channels == ["whatsapp"]


async def test_one_hop_reaches_what_was_said_about_a_co_mentioned_entity(
    db: Database, rules_enricher: Enricher, history: History, uid: str
) -> None:
    found = await ask(
        db,
        rules_enricher,
        "where is the parcel for A-1001?",
        ContextSelector(user_id=history.user_id),
    )
    tracking = "Tracking 1Z999AA10123456784 shows it in Memphis today."
    assert tracking in texts_of(found)
    hit = next(h for h in found.hits if h.message.text == tracking)
    assert any(s.startswith("entity-hop:TRACKING_NUMBER:") for s in hit.signals)


async def test_a_time_phrase_favours_what_was_said_then(
    db: Database, rules_enricher: Enricher, history: History
) -> None:
    # four months before NOW is the "damaged" conversation on WhatsApp
    found = await ask(
        db,
        rules_enricher,
        "what did I report four months ago?",
        ContextSelector(user_id=history.user_id),
    )
    assert found.hits[0].message.text == "My order A-1001 arrived with a cracked screen"
    assert "date" in found.hits[0].signals


async def test_neighbours_bring_the_answer_with_its_question(
    db: Database, rules_enricher: Enricher, history: History
) -> None:
    found = await ask(
        db,
        rules_enricher,
        "which address did I give?",
        ContextSelector(user_id=history.user_id),
        neighbors=1,
    )
    texts = texts_of(found)
    # the answer itself has no keyword; it ranks as the neighbour of the question asking for it
    assert "42 Elm Street, Springfield." in texts
    answer = next(h for h in found.hits if h.message.text == "42 Elm Street, Springfield.")
    assert "neighbour" in answer.signals
    top = found.hits[0]
    assert [n.seq for n in top.neighbors] == [top.message.seq - 1, top.message.seq + 1][
        : len(top.neighbors)
    ] or len(top.neighbors) >= 1


async def test_a_question_naming_a_speaker_favours_their_turns(
    db: Database, rules_enricher: Enricher, history: History, uid: str
) -> None:
    """The person's name (their `name` attribute) and the names of the agents who handled their
    sessions are read with the sessions in scope; a question naming one side ranks that side's
    turns first among equal matches — for the person's and for a single session's recall."""
    await set_attributes(db, Owner.USER, history.user_id, AttributeWrite({"name": "Sam Okafor"}))
    await upsert_agent(db, f"{uid}-priya", "HUMAN", "Priya")
    await handoff(db, history.sessions["money"], f"{uid}-priya", None)
    in_scope = await scope(db, ContextSelector(user_id=history.user_id))
    assert (in_scope.user_names, in_scope.agent_names) == (["Sam Okafor"], ["Priya"])
    session = ContextSelector(session_id=history.sessions["money"])
    assert (await scope(db, session)).user_names == ["Sam Okafor"]
    question = "what did {} say about the headphones refund?"
    for selector in (ContextSelector(user_id=history.user_id), session):
        by_user = await ask(db, rules_enricher, question.format("Sam"), selector)
        by_agent = await ask(db, rules_enricher, question.format("Priya"), selector)
        assert by_user.hits[0].message.role == "USER"
        scores = [
            {h.message.role: h.score for h in found.hits[:2]} for found in (by_user, by_agent)
        ]
        assert scores[1]["AGENT"] > scores[0]["AGENT"]
        assert scores[0]["USER"] > scores[1]["USER"]


async def test_scope_by_identity_session_channel_role_and_time(
    db: Database, rules_enricher: Enricher, history: History, uid: str
) -> None:
    by_identity = await ask(
        db,
        rules_enricher,
        "refund headphones",
        ContextSelector(channel="whatsapp", external_user_id=f"{uid}-whatsapp"),
    )
    assert "email" in {h.message.channel for h in by_identity.hits}  # the person, not the channel
    in_session = await ask(
        db,
        rules_enricher,
        "A-1001",
        ContextSelector(session_id=history.sessions["damaged"]),
    )
    assert {h.message.session_id for h in in_session.hits} == {history.sessions["damaged"]}
    on_web = await ask(
        db,
        rules_enricher,
        "A-1001 tracking",
        ContextSelector(user_id=history.user_id),
        channels=["web"],
    )
    assert on_web.hits
    assert {h.message.channel for h in on_web.hits} == {"web"}
    agents = await ask(
        db,
        rules_enricher,
        "refund headphones",
        ContextSelector(user_id=history.user_id),
        roles=["AGENT"],
    )
    assert {h.message.role for h in agents.hits} == {"AGENT"}
    recent = await ask(
        db,
        rules_enricher,
        "A-1001",
        ContextSelector(user_id=history.user_id),
        since=NOW - timedelta(days=115),
    )
    assert all(h.message.at >= NOW - timedelta(days=115) for h in recent.hits)
    assert "My order A-1001 arrived with a cracked screen" not in texts_of(recent)


async def test_merged_users_are_searched_together_and_others_never(
    db: Database, rules_enricher: Enricher, history: History, uid: str
) -> None:
    other = await ingest_events(
        db,
        [EventInput(f"{uid}-o1", "sms", f"{uid}-sms", text="refund for my headphones please")],
        rules_enricher,
    )
    other_user = await _user_of(db, other.results[0].session_id)
    before = await ask(db, rules_enricher, "headphones", ContextSelector(user_id=history.user_id))
    assert "refund for my headphones please" not in texts_of(before)
    await merge_users(db, other_user, history.user_id, "same person", "test")
    for selector in (ContextSelector(user_id=history.user_id), ContextSelector(user_id=other_user)):
        after = await ask(db, rules_enricher, "headphones", selector)
        assert "refund for my headphones please" in texts_of(after)


async def test_an_erased_user_leaves_nothing_recallable(
    db: Database, rules_enricher: Enricher, history: History, uid: str
) -> None:
    await erase_user(db, history.user_id, actor="test")
    with pytest.raises(NotFoundError):
        await ask(db, rules_enricher, "A-1001", ContextSelector(user_id=history.user_id))
    await db.driver.execute_query(
        "CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()", database_=db.name
    )
    records, _, _ = await db.driver.execute_query(
        "CALL db.index.fulltext.queryNodes('message_search', $q) YIELD node "
        "RETURN count(node) AS n",
        q=f'text:(memphis) AND sessionId:("{history.sessions["track"]}")',
        database_=db.name,
    )
    assert records[0]["n"] == 0


async def test_bad_requests_are_refused_before_any_work(
    db: Database, rules_enricher: Enricher, history: History
) -> None:
    user = ContextSelector(user_id=history.user_id)
    with pytest.raises(BadInputError):
        await ask(db, rules_enricher, "   ", user)
    with pytest.raises(LimitExceededError):
        await ask(db, rules_enricher, "x" * 10_000, user)
    with pytest.raises(BadInputError):
        await ask(db, rules_enricher, "refund", user, limit=0)
    with pytest.raises(LimitExceededError):
        await ask(db, rules_enricher, "refund", user, limit=101)
    with pytest.raises(BadInputError):
        await ask(db, rules_enricher, "refund", user, neighbors=6)
    with pytest.raises(BadInputError):
        await ask(db, rules_enricher, "refund", user, since=NOW, until=NOW)
    with pytest.raises(NotFoundError):
        await ask(db, rules_enricher, "refund", ContextSelector(session_id="ses_nope"))
    with pytest.raises(NotFoundError):
        await ask(db, rules_enricher, "refund", ContextSelector(user_id="usr_nope"))


async def test_a_question_of_stop_words_or_lucene_syntax_is_just_words(
    db: Database, rules_enricher: Enricher, history: History
) -> None:
    user = ContextSelector(user_id=history.user_id)
    assert (await ask(db, rules_enricher, "what did I say?", user)).hits == []
    found = await ask(db, rules_enricher, 'refund* AND "headphones" OR text:(x) ~2 ^3 \\', user)
    assert any("headphones" in t for t in texts_of(found))


def test_keyword_scores_come_from_the_persons_own_counts() -> None:
    """BM25 idf over the history alone: a rarer word weighs more, a message holding two words
    scores both, and nothing outside the history enters the sum."""
    matches = {"refund": {"m1", "m2"}, "kettle": {"m2"}, "the": set()}
    scores = keyword_scores(matches, history_size=100)
    assert scores["m2"] > scores["m1"] > 0
    assert set(scores) == {"m1", "m2"}
    rare, common = (
        keyword_scores({"w": {"m1"}}, 100)["m1"],
        keyword_scores({"w": {"m1"} | {f"x{i}" for i in range(50)}}, 100)["m1"],
    )
    assert rare > common
    assert keyword_scores(matches, 100) == scores  # the same counts, the same scores


def test_a_questions_terms_are_its_words_analysed_as_messages_are() -> None:
    """Question words and stop words out, stemmed, each term once (refund/refunds), no syntax."""
    text = 'What did I say: Refund* AND "head-phones" refunds? text:(x) ~2'
    assert question_terms(text) == ["refund", "head", "phone", "text", "x", "2"]
    assert question_terms("what did I say?") == []
    assert len(question_terms(" ".join(f"w{n}" for n in range(40)))) == 16


@pytest.mark.parametrize("name", ["recall/scope", "recall/history", "recall/hits"])
async def test_recall_statements_start_from_indexes(db: Database, name: str) -> None:
    """No label scan: the cost of a recall does not grow with other people's data."""
    import cypher

    params: dict[str, object] = {
        "sessionId": None,
        "userId": "usr_x",
        "identityKey": None,
        "ownedOnly": False,
        "maxMessages": 10,
        "vector": None,
        "model": None,
        "channels": None,
        "roles": None,
        "since": None,
        "until": None,
        "sessionIds": ["ses_x"],
        "nameKeys": ["name"],
        "known": {},
        "reread": [],
        "limit": 10,
        "ids": ["msg_x"],
        "neighbors": 1,
    }
    async with db.driver.session(database=db.name) as session:
        result = await session.run("EXPLAIN " + cypher.load(name), params)
        summary = await result.consume()

    def operators(plan: dict[str, object]) -> list[str]:
        children = plan.get("children") or []
        assert isinstance(children, list)
        return [str(plan["operatorType"])] + [o for c in children for o in operators(c)]

    assert summary.plan is not None
    found = operators(summary.plan)
    assert not [o for o in found if "LabelScan" in o or "AllNodesScan" in o], found
