"""Anonymized datasets, and the admin CLI (keys, export-analytics, erase-user) end to end."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.cli import main
from enrichment.pipeline import Enricher
from graph.compliance.export import export_messages
from graph.config import Settings
from graph.domain.events import EventInput
from graph.pipeline.ingest import ingest_events
from graph.store.database import Database

pytestmark = [pytest.mark.integration]


def window() -> datetime:
    """A minute in 2004 no other test writes to."""
    return datetime(2004, 1, 1, tzinfo=UTC) + timedelta(minutes=random.randrange(10**6))


async def stored(db: Database, enricher: Enricher, uid: str, at: datetime) -> str:
    text = f"I am jane.{uid}@example.com, call +1 415 555 0100, order A-12345 is late"
    events = [EventInput(f"{uid}-1", "web", f"c-{uid}", text=text, occurred_at=at)]
    result = await ingest_events(db, events, enricher)
    return result.results[0].session_id


@pytest.mark.anyio
async def test_anonymized_rows_keep_analytics_and_drop_identifiers(
    db: Database, rules_enricher: Enricher, uid: str
) -> None:
    at = window()
    session_id = await stored(db, rules_enricher, uid, at)
    rows = [r async for r in export_messages(db, at, at + timedelta(seconds=1))]
    assert len(rows) == 1
    row = rows[0]
    assert row["text"] == "I am [EMAIL], call [PHONE], order A-12345 is late"
    assert "ORDER_ID:A12345" in row["entities"]
    assert all(uid not in e for e in row["entities"])
    assert row["sessionId"] != session_id
    assert len(row["sessionId"]) == 32
    assert row["channel"] == "web"
    assert row["sentimentLabel"] in ("NEGATIVE", "NEUTRAL", "POSITIVE")
    again = [r async for r in export_messages(db, at, at + timedelta(seconds=1))]
    assert again[0]["userId"] == row["userId"]  # stable pseudonyms: rows join across exports
    raw = [r async for r in export_messages(db, at, at + timedelta(seconds=1), anonymize=False)]
    assert raw[0]["sessionId"] == session_id


def test_cli_keys_export_and_erase(
    cli_env: None,
    settings: Settings,
    rules_enricher: Enricher,
    uid: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    assert main(["keys", "create", "--role", "agent", "--name", f"cli {uid}"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("tlk_")
    key_id = token.split("_")[1]
    assert main(["keys", "list"]) == 0
    assert key_id in capsys.readouterr().out
    assert main(["keys", "revoke", key_id]) == 0
    assert main(["keys", "list"]) == 0
    listed = next(line for line in capsys.readouterr().out.splitlines() if key_id in line)
    assert "revoked" in listed

    at = window()

    async def arrange() -> str:
        db = Database.from_settings(settings)
        try:
            return await stored(db, rules_enricher, uid, at)
        finally:
            await db.close()

    session_id = asyncio.run(arrange())
    output = tmp_path / "data.jsonl"
    since, until = at.isoformat(), (at + timedelta(seconds=1)).isoformat()
    args = ["export-analytics", "--anonymize", "--since", since, "--until", until]
    assert main([*args, "-o", str(output)]) == 0
    [line] = output.read_text().splitlines()
    assert "[EMAIL]" in json.loads(line)["text"]
    assert uid not in line

    user = _user_of(settings, session_id)
    assert main(["export-user", user]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["user"]["id"] == user

    # sealed for a recipient: only their private key opens it
    private, public = tmp_path / "partner.key", tmp_path / "partner.pub"
    assert main(["export-key", "new", str(private), str(public)]) == 0
    sealed, opened = tmp_path / "user.tlx", tmp_path / "user.json"
    assert main(["export-user", user, "--recipient-key", str(public), "-o", str(sealed)]) == 0
    assert user.encode() not in sealed.read_bytes()
    assert main(["export-open", str(sealed), "--key", str(private), "-o", str(opened)]) == 0
    assert json.loads(opened.read_text())["user"] == exported["user"]
    sealed_lines = tmp_path / "data.tlx"
    assert main([*args, "--recipient-key", str(public), "-o", str(sealed_lines)]) == 0
    assert main(["export-open", str(sealed_lines), "--key", str(private), "-o", str(opened)]) == 0
    assert opened.read_text() == output.read_text()
    capsys.readouterr()
    assert main(["export-open", str(sealed), "--key", str(public)]) == 2  # not the private key
    assert main(["export-user", user, "--recipient-key", str(private)]) == 2
    assert "public key" in capsys.readouterr().err
    assert main(["erase-user", user, "--actor", "cli-test"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["messages"] == 1
    assert main(["erase-user", user]) == 1  # NOT_FOUND the second time


def _user_of(settings: Settings, session_id: str) -> str:
    from neo4j import GraphDatabase

    assert settings.neo4j_uri is not None
    with GraphDatabase.driver(settings.neo4j_uri, auth=settings.neo4j_auth()) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (u:User)-[:HAS_SESSION]->(:Session {id: $s}) RETURN u.id AS id", s=session_id
        )
    return str(records[0]["id"])


def test_cli_rebuilds_the_fulltext_index(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fulltext", "rebuild"]) == 0
    assert "message_search rebuilt in" in capsys.readouterr().err
