"""Session attributes with optimistic concurrency, proven with concurrent writers on real Neo4j."""

from __future__ import annotations

import asyncio

import pytest

from graph.attributes import session_attributes, set_session_attributes
from graph.database import Database
from graph.errors import BadInputError, ConflictError, NotFoundError
from graph.events import EventInput
from graph.ingest import ingest_events
from graph.sessions import get_session

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def new_session(db: Database, uid: str) -> str:
    result = await ingest_events(db, [EventInput(f"{uid}-1", "web", uid, text="hi")])
    return result.results[0].session_id


async def test_compare_and_set_applies_once_per_version(db: Database, uid: str) -> None:
    session_id = await new_session(db, uid)
    start = await get_session(db, session_id)
    assert start is not None
    session, values = await set_session_attributes(
        db, session_id, {"cart": ["SKU-1"], "locale": "en"}, start.version, "web"
    )
    assert session.version == start.version + 1
    assert values == {"cart": ["SKU-1"], "locale": "en"}
    with pytest.raises(ConflictError) as stale:
        await set_session_attributes(db, session_id, {"locale": "fr"}, start.version, "mobile")
    assert stale.value.details["version"] == start.version + 1
    assert stale.value.details["attributes"] == {"cart": ["SKU-1"], "locale": "en"}
    assert await session_attributes(db, session_id) == {"cart": ["SKU-1"], "locale": "en"}


async def test_sixteen_concurrent_cas_writers_one_wins_the_rest_conflict(
    db: Database, uid: str
) -> None:
    session_id = await new_session(db, uid)
    start = await get_session(db, session_id)
    assert start is not None
    outcomes = await asyncio.gather(
        *(
            set_session_attributes(db, session_id, {"owner": f"writer-{n}"}, start.version, "web")
            for n in range(16)
        ),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(winners) == 1
    assert len(losers) == 15
    winner_value = winners[0][1]["owner"]
    assert await session_attributes(db, session_id) == {"owner": winner_value}
    final = await get_session(db, session_id)
    assert final is not None
    assert final.version == start.version + 1


async def test_read_modify_write_with_retries_loses_no_update(db: Database, uid: str) -> None:
    session_id = await new_session(db, uid)

    async def increment(times: int) -> None:
        for _ in range(times):
            while True:
                session = await get_session(db, session_id)
                assert session is not None
                current = (await session_attributes(db, session_id)).get("count", 0)
                try:
                    await set_session_attributes(
                        db, session_id, {"count": current + 1}, session.version
                    )
                    break
                except ConflictError:
                    continue

    await asyncio.gather(*(increment(5) for _ in range(8)))
    assert (await session_attributes(db, session_id))["count"] == 40


@pytest.mark.parametrize(
    "attributes", [{}, [1, 2], {"bad key!": 1}, {"k" * 65: 1}, {"big": "x" * (64 * 1024)}]
)
async def test_bad_attributes_are_bad_input(db: Database, uid: str, attributes: object) -> None:
    session_id = await new_session(db, uid)
    with pytest.raises(BadInputError):
        await set_session_attributes(db, session_id, attributes)


async def test_unknown_session_is_not_found(db: Database, uid: str) -> None:
    with pytest.raises(NotFoundError):
        await set_session_attributes(db, f"ses_{uid}", {"a": 1})
