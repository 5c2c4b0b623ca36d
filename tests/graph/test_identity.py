"""Merging users (reversibly, with provenance) and continuation tokens, on the real Neo4j."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from neo4j import Driver

from graph.domain.attribute_policies import MergePolicy, PolicyRule
from graph.domain.errors import BadInputError, ConflictError, InvalidTokenError, NotFoundError
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.attributes import AttributeWrite, Owner, set_attributes, user_attributes
from graph.store.context import ContextSelector, get_context
from graph.store.continuation import create_token, resume_session, token_hash
from graph.store.database import Database
from graph.store.merges import merge_users, unmerge_user, user_merges
from graph.store.sessions import get_session, session_messages
from graph.store.users import get_user, link_identity, resolve_identity

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def person(db: Database, event_id: str, channel: str, external_id: str) -> tuple[str, str]:
    """A new user with one message on `channel`: (user id, session id)."""
    result = await ingest_events(db, [EventInput(event_id, channel, external_id, text="hello")])
    session_id = result.results[0].session_id
    session = await get_session(db, session_id)
    assert session is not None
    return session.user_id, session_id


async def test_merge_moves_identities_and_sessions_and_unmerge_restores_them(
    db: Database, uid: str
) -> None:
    web_user, _ = await person(db, f"{uid}-1", "web", f"cookie-{uid}")
    wa_user, wa_session = await person(db, f"{uid}-2", "whatsapp", f"+1555{uid}")

    merge = await merge_users(db, wa_user, web_user, "same phone in web form", "agent:jane")
    assert merge.identities == [f"whatsapp:+1555{uid}"]
    assert merge.sessions == [wa_session]
    assert merge.status == "ACTIVE"
    assert await resolve_identity(db, "whatsapp", f"+1555{uid}") == web_user
    target = await get_user(db, web_user)
    assert target is not None
    assert {i.key for i in target.identities} == {f"web:cookie-{uid}", f"whatsapp:+1555{uid}"}
    moved = next(i for i in target.identities if i.merge_id)
    assert moved.merge_id == merge.id
    source = await get_user(db, wa_user)
    assert source is not None
    assert source.merged_into == web_user
    assert source.identities == []  # moved, not deleted: the source node itself stays
    assert (await get_session(db, wa_session)).user_id == web_user  # type: ignore[union-attr]
    assert all(m.user_id == web_user for m in await session_messages(db, wa_session, 10))
    # the merged-away id still leads to the survivor's conversation
    context = await get_context(db, ContextSelector(user_id=wa_user), 5)
    assert context.session.user_id == web_user
    # new WhatsApp messages now belong to the survivor
    later = await ingest_events(db, [EventInput(f"{uid}-3", "whatsapp", f"+1555{uid}", text="hi")])
    later_session = later.results[0].session_id
    assert (await get_session(db, later_session)).user_id == web_user  # type: ignore[union-attr]
    [recorded] = await user_merges(db, wa_user)
    assert (recorded.evidence, recorded.actor) == ("same phone in web form", "agent:jane")

    undone = await unmerge_user(db, merge.id, "agent:joe", "different people")
    assert undone.status == "REVERTED"
    assert undone.reverted_by == "agent:joe"
    assert await resolve_identity(db, "whatsapp", f"+1555{uid}") == wa_user
    assert (await get_session(db, wa_session)).user_id == wa_user  # type: ignore[union-attr]
    assert all(m.user_id == wa_user for m in await session_messages(db, wa_session, 10))
    restored = await get_user(db, wa_user)
    assert restored is not None
    assert restored.merged_into is None
    assert [i.key for i in restored.identities] == [f"whatsapp:+1555{uid}"]
    with pytest.raises(ConflictError):
        await unmerge_user(db, merge.id)


async def test_chained_merges_undo_last_first(db: Database, uid: str) -> None:
    a, a_session = await person(db, f"{uid}-a", "web", f"a-{uid}")
    b, _ = await person(db, f"{uid}-b", "sms", f"b-{uid}")
    c, _ = await person(db, f"{uid}-c", "email", f"c-{uid}")
    first = await merge_users(db, a, b, "e1", None)
    second = await merge_users(db, b, c, "e2", None)
    assert await resolve_identity(db, "web", f"a-{uid}") == c
    with pytest.raises(ConflictError, match="undo that merge first"):
        await unmerge_user(db, first.id)
    await unmerge_user(db, second.id)
    assert await resolve_identity(db, "web", f"a-{uid}") == b
    await unmerge_user(db, first.id)
    assert await resolve_identity(db, "web", f"a-{uid}") == a
    assert (await get_session(db, a_session)).user_id == a  # type: ignore[union-attr]


async def test_merge_bad_input(db: Database, uid: str) -> None:
    a, _ = await person(db, f"{uid}-a", "web", f"a-{uid}")
    b, _ = await person(db, f"{uid}-b", "web", f"b-{uid}")
    with pytest.raises(BadInputError):
        await merge_users(db, a, a, None, None)
    with pytest.raises(NotFoundError):
        await merge_users(db, a, f"usr_{uid}", None, None)
    with pytest.raises(NotFoundError):
        await unmerge_user(db, f"mrg_{uid}")
    await merge_users(db, a, b, None, None)
    with pytest.raises(ConflictError):  # a is already merged
        await merge_users(db, a, b, None, None)


async def test_link_identity_records_provenance(db: Database, uid: str) -> None:
    user, _ = await person(db, f"{uid}-1", "web", f"cookie-{uid}")
    linked = await link_identity(db, user, "email", f"{uid}@example.com", "verified by OTP", "bot")
    email = next(i for i in linked.identities if i.channel == "email")
    assert (email.linked_by, email.evidence) == ("bot", "verified by OTP")


async def test_continuation_token_attaches_the_app_identity_once(db: Database, uid: str) -> None:
    user, session_id = await person(db, f"{uid}-1", "web", f"cookie-{uid}")
    token = await create_token(db, session_id, ttl_seconds=600)
    assert token.expires_at <= datetime.now(UTC) + timedelta(seconds=601)
    stored, _, _ = await db.driver.execute_query(
        "MATCH (t:ContinuationToken {sessionId: $s}) RETURN properties(t) AS p", s=session_id
    )
    assert token.token not in str(stored[0]["p"])  # only the hash is stored
    assert stored[0]["p"]["hash"] == token_hash(token.token)

    # two devices race to redeem the same link: exactly one wins
    outcomes = await asyncio.gather(
        resume_session(db, token.token, "mobile", f"device-{uid}"),
        resume_session(db, token.token, "mobile", f"other-{uid}"),
        return_exceptions=True,
    )
    wins = [o for o in outcomes if not isinstance(o, BaseException)]
    losses = [o for o in outcomes if isinstance(o, InvalidTokenError)]
    assert len(wins) == 1
    assert len(losses) == 1
    assert losses[0].details["reason"] == "USED"
    assert wins[0].id == session_id
    linked = [
        key
        for key in (f"device-{uid}", f"other-{uid}")
        if await resolve_identity(db, "mobile", key)
    ]
    assert len(linked) == 1  # a replay never attaches a second identity
    assert await resolve_identity(db, "mobile", linked[0]) == user
    # the app continues the web conversation
    app = await ingest_events(db, [EventInput(f"{uid}-2", "mobile", linked[0], text="on my phone")])
    assert app.results[0].session_id == session_id


async def test_continuation_merges_an_existing_app_user(db: Database, uid: str) -> None:
    web_user, session_id = await person(db, f"{uid}-1", "web", f"cookie-{uid}")
    app_user, _ = await person(db, f"{uid}-2", "mobile", f"device-{uid}")
    token = await create_token(db, session_id)
    async with db.live.subscribe(None, app_user) as app_events:
        await resume_session(db, token.token, "mobile", f"device-{uid}")
        announced = await anext(app_events)  # the app user's watchers learn whom to follow
    assert (announced.kind, announced.other_user_id) == ("MERGE", web_user)
    assert await resolve_identity(db, "mobile", f"device-{uid}") == web_user
    [merge] = await user_merges(db, app_user)
    assert merge.actor == "resumeSession"
    assert merge.evidence == f"continuation token for session {session_id}"


async def test_bad_continuation_tokens(db: Database, uid: str) -> None:
    _, session_id = await person(db, f"{uid}-1", "web", f"cookie-{uid}")
    for ttl in (0, 3601):
        with pytest.raises(BadInputError):
            await create_token(db, session_id, ttl_seconds=ttl)
    with pytest.raises(NotFoundError):
        await create_token(db, f"ses_{uid}")
    with pytest.raises(InvalidTokenError) as unknown:
        await resume_session(db, "tlc_nope", "mobile", f"d-{uid}")
    assert unknown.value.details["reason"] == "UNKNOWN"
    token = await create_token(db, session_id, ttl_seconds=1)
    a_second_later = token.expires_at + timedelta(milliseconds=1)
    with pytest.raises(InvalidTokenError) as expired:
        await resume_session(db, token.token, "mobile", f"d-{uid}", clock=lambda: a_second_later)
    assert expired.value.details["reason"] == "EXPIRED"
    assert await resolve_identity(db, "mobile", f"d-{uid}") is None


async def test_expired_tokens_are_purged_a_day_later(db: Database, uid: str) -> None:
    from graph.store.continuation import purge_expired_tokens

    _, session_id = await person(db, f"{uid}-1", "web", f"cookie-{uid}")
    token = await create_token(db, session_id, ttl_seconds=60)

    async def stored() -> int:
        records, _, _ = await db.driver.execute_query(
            "MATCH (t:ContinuationToken {sessionId: $s}) RETURN count(t) AS n", s=session_id
        )
        return int(records[0]["n"])

    await purge_expired_tokens(db)  # not expired yet: kept
    assert await stored() == 1
    assert await purge_expired_tokens(db, now=datetime.now(UTC) + timedelta(days=2)) >= 1
    assert await stored() == 0
    with pytest.raises(InvalidTokenError) as gone:
        await resume_session(db, token.token, "mobile", f"d-{uid}")
    assert gone.value.details["reason"] == "UNKNOWN"


async def test_merges_racing_ingest_never_leave_an_identity_with_two_users(
    db: Database, driver: Driver, uid: str
) -> None:
    web_user, _ = await person(db, f"{uid}-1", "web", f"cookie-{uid}")
    wa_user, _ = await person(db, f"{uid}-2", "whatsapp", f"wa-{uid}")
    writes = [
        ingest_events(db, [EventInput(f"{uid}-w{n}", "whatsapp", f"wa-{uid}", text=f"m{n}")])
        for n in range(8)
    ]
    await asyncio.gather(merge_users(db, wa_user, web_user, "race", None), *writes)
    records, _, _ = driver.execute_query(
        "MATCH (i:Identity {key: $k})-[:IDENTIFIES]->(u:User) RETURN collect(u.id) AS users",
        k=f"whatsapp:wa-{uid}",
    )
    assert records[0]["users"] == [web_user]
    sessions, _, _ = driver.execute_query(
        "MATCH (m:Message) WHERE m.eventId STARTS WITH $p "
        "MATCH (u:User)-[:HAS_SESSION]->(:Session {id: m.sessionId}) "
        "RETURN collect(DISTINCT u.id) AS users",
        p=f"{uid}-w",
    )
    assert sessions[0]["users"] == [web_user]  # every message ended up with the survivor


async def test_a_merge_combines_user_attributes_by_policy_and_unmerge_separates_them(
    db: Database, uid: str
) -> None:
    rules = [PolicyRule(pattern="tags", policy=MergePolicy.APPEND)]
    web_user, _ = await person(db, f"{uid}-w", "web", f"{uid}-web")
    sms_user, _ = await person(db, f"{uid}-s", "sms", f"{uid}-sms")
    older, newer = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)

    async def write(user: str, values: dict[str, object], at: datetime) -> None:
        await set_attributes(db, Owner.USER, user, AttributeWrite(values, at=at), rules)

    await write(web_user, {"tier": "silver", "tags": ["web"], "lang": "en"}, older)
    await write(sms_user, {"tier": "gold", "tags": ["sms"], "phoneOnly": True}, newer)
    merge = await merge_users(db, sms_user, web_user, "same phone", None)
    assert await user_attributes(db, web_user, rules) == {
        "tier": "gold",  # LAST_WRITE_WINS: the later change, whichever user made it
        "tags": ["web", "sms"],  # APPEND: both, oldest first
        "lang": "en",
        "phoneOnly": True,
    }
    assert await user_attributes(db, sms_user, rules) == {  # its own, nothing merged into it
        "tier": "gold",
        "tags": ["sms"],
        "phoneOnly": True,
    }
    # a write to the survivor merges with the combined state; its result shows it combined
    after = await set_attributes(
        db, Owner.USER, web_user, AttributeWrite({"tier": "platinum"}), rules
    )
    assert after.attributes["tier"] == "platinum"
    assert after.attributes["tags"] == ["web", "sms"]
    await unmerge_user(db, merge.id, None, "different people")
    assert await user_attributes(db, web_user, rules) == {
        "tier": "platinum",
        "tags": ["web"],
        "lang": "en",
    }


async def test_attributes_follow_chained_merges(db: Database, uid: str) -> None:
    a, _ = await person(db, f"{uid}-a", "web", f"{uid}-a")
    b, _ = await person(db, f"{uid}-b", "sms", f"{uid}-b")
    c, _ = await person(db, f"{uid}-c", "email", f"{uid}-c")
    for user, key in ((a, "fromA"), (b, "fromB"), (c, "fromC")):
        await set_attributes(db, Owner.USER, user, AttributeWrite({key: user}))
    await merge_users(db, a, b, None, None)
    await merge_users(db, b, c, None, None)
    assert await user_attributes(db, c) == {"fromA": a, "fromB": b, "fromC": c}


async def test_merge_and_unmerge_are_announced_to_both_users(db: Database, uid: str) -> None:
    web_user, _ = await person(db, f"{uid}-w", "web", f"{uid}-web")
    sms_user, _ = await person(db, f"{uid}-s", "sms", f"{uid}-sms")
    async with (
        db.live.subscribe(None, web_user) as survivor,
        db.live.subscribe(None, sms_user) as merged_away,
    ):
        merge = await merge_users(db, sms_user, web_user, "same phone", None)
        await unmerge_user(db, merge.id, None, "different people")
        both = ((survivor, web_user, sms_user), (merged_away, sms_user, web_user))
        for events, me, other in both:
            heard = [await anext(events), await anext(events)]
            assert [(e.kind, e.user_id, e.other_user_id) for e in heard] == [
                ("MERGE", me, other),
                ("UNMERGE", me, other),
            ]
