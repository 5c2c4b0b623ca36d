"""Datasets for analytics or model training: messages as JSON lines, optionally anonymized.

With `anonymize`, user and session ids become keyed hashes (`graph.compliance.pseudonyms`: stable,
so rows
still join, but not reversible without the key), email and phone mentions are replaced in the
text by `[EMAIL]`/`[PHONE]` and their entity keys by keyed hashes. Other entities (order ids,
SKUs...), intents and sentiment are kept. Free text can still contain names or addresses the
entity rules do not catch: treat even anonymized datasets as confidential.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.compliance.pseudonyms import Pseudonymizer
from graph.domain.masking import PII_ENTITY_TYPES
from graph.domain.records import to_millis

if TYPE_CHECKING:
    from pydantic import SecretStr

    from graph.store.database import Database

PAGE = 2000
EARLIEST = -62135596800000  # 0001-01-01 in epoch millis
LATEST = 253402300799000  # 9999-12-31


def redact(text: str | None, entities: list[dict[str, Any]]) -> str | None:
    """The text with every personal entity span replaced by its type."""
    if text is None:
        return None
    spans = sorted(
        (e for e in entities if e["type"] in PII_ENTITY_TYPES and e["start"] is not None),
        key=lambda e: e["start"],
        reverse=True,
    )
    for entity in spans:
        text = text[: entity["start"]] + f"[{entity['type']}]" + text[entity["end"] :]
    return text


def _row(message: dict[str, Any], pseudonymize: Pseudonymizer | None) -> dict[str, Any]:
    entities = message["entities"]
    row = {
        "messageId": message["id"],
        "sessionId": message["sessionId"],
        "userId": message["userId"],
        "channel": message["channel"],
        "role": message["role"],
        "seq": message["seq"],
        "at": datetime.fromtimestamp(message["at"] / 1000, UTC).isoformat(),
        "text": message["text"],
        "sentiment": message["sentiment"],
        "sentimentLabel": message["sentimentLabel"],
        "intents": message["intents"] or [],
        "entities": [e["key"] for e in entities],
    }
    if pseudonymize is not None:
        row["messageId"] = pseudonymize(message["id"])
        row["sessionId"] = pseudonymize(message["sessionId"])
        row["userId"] = pseudonymize(message["userId"])
        row["text"] = redact(message["text"], entities)
        row["entities"] = [
            f"{e['type']}:{pseudonymize(e['key'])}" if e["type"] in PII_ENTITY_TYPES else e["key"]
            for e in entities
        ]
    return row


async def export_messages(
    db: Database,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    anonymize: bool = True,
    pseudonym_key: SecretStr | None = None,  # THREADLINE_PSEUDONYM_KEY, else the graph's key
) -> AsyncIterator[dict[str, Any]]:
    """Every message in [since, until) in time order, one dict per message."""
    pseudonymize = await Pseudonymizer.for_database(db, pseudonym_key) if anonymize else None
    after_at, after_id = EARLIEST, ""
    while True:
        records = await db.read(
            "export/messages_page",
            since=to_millis(since) if since else EARLIEST,
            until=to_millis(until) if until else LATEST,
            afterAt=after_at,
            afterId=after_id,
            limit=PAGE,
        )
        for record in records:
            yield _row(record["message"], pseudonymize)
        if len(records) < PAGE:
            return
        last = records[-1]["message"]
        after_at, after_id = last["at"], last["id"]
