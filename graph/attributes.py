"""Session attributes set directly (not through events), with optimistic concurrency.

`expected_version` makes the write a compare-and-set on the session's `version`: it applies only
if no other attribute change happened since the caller read the session, else CONFLICT carrying
the current version and values, and nothing is written. Without it, the write wins (last write).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import cypher
from graph.errors import BadInputError, ConflictError
from graph.records import SessionRecord, json_value, to_millis
from graph.sessions import only_row

if TYPE_CHECKING:
    from graph.database import Database

KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_VALUE_BYTES = 64 * 1024


def attribute_rows(attributes: Any) -> list[dict[str, str]]:
    """Validated `[{key, value (JSON text)}]`; BAD_INPUT names the first bad key."""
    if not isinstance(attributes, dict) or not attributes:
        raise BadInputError("attributes must be a non-empty JSON object", field="attributes")
    rows = []
    for key, value in attributes.items():
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise BadInputError(
                f"attributes: key {key!r} must match [A-Za-z0-9_.-]{{1,64}}", field="attributes"
            )
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            raise BadInputError(f"attributes.{key} is not JSON", field="attributes") from None
        if len(text.encode()) > MAX_VALUE_BYTES:
            raise BadInputError(
                f"attributes.{key} is larger than {MAX_VALUE_BYTES} bytes", field="attributes"
            )
        rows.append({"key": key, "value": text})
    return rows


async def set_session_attributes(
    db: Database,
    session_id: str,
    attributes: Any,
    expected_version: int | None = None,
    channel: str | None = None,
) -> tuple[SessionRecord, dict[str, Any]]:
    """Apply attributes; returns the session (new `version`) and all its attributes."""
    rows = attribute_rows(attributes)
    records, _, _ = await db.driver.execute_query(
        cypher.load("sessions/set_attributes"),
        sessionId=session_id,
        attributes=rows,
        expectedVersion=expected_version,
        owner=f"session:{session_id}",
        now=to_millis(datetime.now(UTC)),
        channel=channel,
        database_=db.name,
    )
    row = only_row(records, session_id)
    session = SessionRecord.from_record(row)
    current = {key: json_value(value) for key, value in row["attributes"]}
    if not row["applied"]:
        raise ConflictError(
            f"session {session_id!r} is at version {session.version}, not {expected_version}",
            field="expectedVersion",
            version=session.version,
            attributes=current,
        )
    return session, current


async def session_attributes(db: Database, session_id: str) -> dict[str, Any]:
    records, _, _ = await db.driver.execute_query(
        cypher.load("read/session_attributes"),
        owner=f"session:{session_id}",
        database_=db.name,
        routing_="r",
    )
    return {r["key"]: json_value(r["value"]) for r in records}
