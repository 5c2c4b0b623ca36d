"""Session and user attributes set directly (not through events): merge policies and CAS.

Every write locks its owner (session or user) first, reads the stored state of its keys, merges
each key by its policy (`graph.domain.attribute_policies`) in Python and writes only what
changed — one transaction, so concurrent writers are strictly ordered and none is lost.
`expected_version` makes the write a compare-and-set on the owner's `version`: it applies only
if no other attribute write happened since the caller read it, else CONFLICT carrying the
current version and values, and nothing is written.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from graph.domain.attribute_policies import (
    CHECKED,
    MergePolicy,
    PolicyRule,
    Stored,
    Write,
    check,
    combined,
    merge,
    rule_for,
    stored_state,
)
from graph.domain.errors import BadInputError, ConflictError, NotFoundError
from graph.domain.events import ATTRIBUTE_KEY
from graph.domain.records import SessionRecord, json_value, to_millis
from graph.live.events import publish_attributes

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graph.domain.events import ValidEvent
    from graph.store.database import Database, Tx

MAX_VALUE_BYTES = 64 * 1024


class Owner(StrEnum):
    SESSION = "session"
    USER = "user"


@dataclass(frozen=True)
class AttributeWrite:
    """What a caller asks for: values, and how to merge them with what is stored."""

    attributes: Any
    expected_version: int | None = None
    channel: str | None = None
    at: datetime | None = None  # event time for LAST_WRITE_WINS; default: now
    policy: MergePolicy | None = None  # overrides the configured per-key policies
    channel_order: Sequence[str] = ()  # for a CHANNEL_PRECEDENCE override
    writer: str | None = None  # who asks (the API key id or JWT subject): the history records it


@dataclass(frozen=True)
class AttributesResult:
    version: int
    attributes: dict[str, Any]
    session: SessionRecord | None = None  # the session after the write, for session owners
    changed: dict[str, Any] = field(default_factory=dict)  # new values of the keys that changed


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def validated_values(attributes: Any) -> dict[str, Any]:
    """The attributes as a dict of JSON values; BAD_INPUT names the first bad key."""
    if not isinstance(attributes, dict) or not attributes:
        raise BadInputError("attributes must be a non-empty JSON object", field="attributes")
    for key, value in attributes.items():
        if not isinstance(key, str) or not ATTRIBUTE_KEY.fullmatch(key):
            raise BadInputError(
                f"attributes: key {key!r} must match [A-Za-z0-9_.-]{{1,64}}", field="attributes"
            )
        try:
            text = _json_text(value)
        except (TypeError, ValueError):
            raise BadInputError(f"attributes.{key} is not JSON", field="attributes") from None
        if len(text.encode()) > MAX_VALUE_BYTES:
            raise BadInputError(
                f"attributes.{key} is larger than {MAX_VALUE_BYTES} bytes", field="attributes"
            )
    return dict(attributes)


def rules_for_write(request: AttributeWrite, configured: Sequence[PolicyRule]) -> list[PolicyRule]:
    """The call's policy override (if any) as a rule for every key, else the configured rules."""
    if request.policy is None:
        return list(configured)
    try:
        return [
            PolicyRule(pattern="*", policy=request.policy, channels=tuple(request.channel_order))
        ]
    except ValidationError:
        raise BadInputError(
            "policy CHANNEL_PRECEDENCE needs channelOrder (channels, highest precedence first)",
            field="channelOrder",
        ) from None


def check_values(values: dict[str, Any], rules: Sequence[PolicyRule], field: str) -> None:
    for key, value in values.items():
        problem = check(rule_for(rules, key), value)
        if problem:
            raise BadInputError(f"{field}.{key}: {problem}", field=field)


def check_event_attributes(batch: Sequence[ValidEvent], rules: Sequence[PolicyRule]) -> None:
    """BAD_INPUT for an event attribute its key's policy cannot take (only MAX/MIN can refuse,
    so without such a rule nothing is parsed)."""
    if not any(rule.policy in CHECKED for rule in rules):
        return
    for event in batch:
        values = {key: json_value(text) for key, text in event.attributes.items()}
        check_values(values, rules, f"events[{event.index}].attributes")


@dataclass(frozen=True)
class Change:
    """A key's new state and the write that produced it last (its provenance)."""

    state: Stored
    write: Write


def merged_changes(
    rules: Sequence[PolicyRule], stored: dict[str, Stored], writes: list[tuple[str, Write]]
) -> dict[str, Change]:
    """Apply writes in order, key by key; returns the new state of every key that changed."""
    state = dict(stored)
    changed: dict[str, Change] = {}
    for key, write in writes:
        result = merge(rule_for(rules, key), state.get(key), write)
        if result is not None:
            state[key] = result
            changed[key] = Change(result, write)
    return changed


def _clear(key: str, text: str) -> str:
    return text


def change_rows(
    changes: dict[str, Change], seal: Callable[[str, str], str] = _clear
) -> list[dict[str, Any]]:
    """Rows of `attributes/write` and `ingest/merge_attributes`: the new state of each key (its
    JSON text as `seal(key, text)` stores it: sealed for its person when encryption is on), and
    where it came from for its change history."""
    return [
        {
            "key": key,
            "value": seal(key, _json_text(c.state.value)),
            "at": c.state.at,
            "channel": c.state.channel,
            "eventId": c.write.event_id,
            "messageId": c.write.message_id,
        }
        for key, c in sorted(changes.items())
    ]


async def _read_all(
    tx: Tx, kind: Owner, owner_id: str, rules: Sequence[PolicyRule]
) -> dict[str, Any]:
    if kind is Owner.USER:
        return combined(await tx.rows("read/user_attributes", userId=owner_id), rules)
    rows = await tx.records("read/attributes", owner=f"{kind.value}:{owner_id}")
    return {r["key"]: json_value(r["value"]) for r in rows}


async def _set_tx(
    tx: Tx,
    kind: Owner,
    owner_id: str,
    request: AttributeWrite,
    values: dict[str, Any],
    rules: list[PolicyRule],
    configured: Sequence[PolicyRule],
    seal: Callable[[str, str, str], str] | None = None,
) -> AttributesResult:
    """`rules` merge this write (a call's override, or the configured ones); `configured` combine
    a user's attributes with those of users merged into it for the result."""
    owner = f"{kind.value}:{owner_id}"
    row = await tx.single(
        f"attributes/lock_{kind.value}", ownerId=owner_id, owner=owner, keys=sorted(values)
    )
    if row is None:
        raise NotFoundError(f"no {kind.value} {owner_id!r}", field=f"{kind.value}Id")
    version = int(row["version"])
    if request.expected_version is not None and request.expected_version != version:
        raise ConflictError(
            f"{kind.value} {owner_id!r} is at version {version}, not {request.expected_version}",
            field="expectedVersion",
            version=version,
            attributes=await _read_all(tx, kind, owner_id, configured),
        )
    at = to_millis(request.at or datetime.now(UTC))
    stored = {r["key"]: stored_state(r) for r in row["stored"]}
    writes = [(key, Write(value, at, request.channel)) for key, value in sorted(values.items())]
    changes = merged_changes(rules, stored, writes)
    sealing = _clear
    if seal is not None and changes:  # encryption on: sealed for the person they belong to
        person = owner_id
        if kind is Owner.SESSION:  # a session's values are its owner's
            person = SessionRecord.from_record(await tx.one("read/session", id=owner_id)).user_id
        sealing = functools.partial(seal, person)
    await tx.execute(
        "attributes/write",
        node=row["node"],
        owner=owner,
        changes=change_rows(changes, sealing),
        recordedAt=to_millis(datetime.now(UTC)),
        writer=request.writer,
    )
    session = None
    if kind is Owner.SESSION:
        session = SessionRecord.from_record(await tx.one("read/session", id=owner_id))
    changed = {key: change.state.value for key, change in changes.items()}
    attributes = await _read_all(tx, kind, owner_id, configured)
    return AttributesResult(version + 1, attributes, session, changed)


async def set_attributes(
    db: Database,
    kind: Owner,
    owner_id: str,
    request: AttributeWrite,
    policies: Sequence[PolicyRule] = (),
) -> AttributesResult:
    """Merge attributes into a session or user; returns its new version and all its values."""
    values = validated_values(request.attributes)
    rules = rules_for_write(request, list(policies))
    check_values(values, rules, "attributes")
    result = await db.write_tx(
        _set_tx, kind, owner_id, request, values, rules, list(policies), db.attribute_sealing
    )
    if result.changed:
        if result.session is not None:
            session_id, user_id = result.session.id, result.session.user_id
        else:
            session_id, user_id = None, owner_id
        publish_attributes(db.live, session_id, user_id, request.channel, result.changed)
    return result


async def set_session_attributes(
    db: Database, session_id: str, request: AttributeWrite, policies: Sequence[PolicyRule] = ()
) -> tuple[SessionRecord, dict[str, Any]]:
    """Apply attributes to a session; returns the session (new `version`) and all its values."""
    result = await set_attributes(db, Owner.SESSION, session_id, request, policies)
    if result.session is None:
        raise NotFoundError(f"no session {session_id!r}", field="sessionId")
    return result.session, result.attributes


async def attributes_of(db: Database, kind: Owner, owner_id: str) -> dict[str, Any]:
    records = await db.read("read/attributes", owner=f"{kind.value}:{owner_id}")
    return {r["key"]: json_value(r["value"]) for r in records}


async def user_attributes(
    db: Database, user_id: str, policies: Sequence[PolicyRule] = ()
) -> dict[str, Any]:
    """The user's attributes combined with those of the users merged into it (`combined`)."""
    records = await db.read("read/user_attributes", userId=user_id)
    return combined([record.data() for record in records], list(policies))


async def session_attributes(db: Database, session_id: str) -> dict[str, Any]:
    return await attributes_of(db, Owner.SESSION, session_id)


async def merge_event_attributes(
    tx: Tx,
    writes: list[tuple[str, str, Write]],
    rules: list[PolicyRule],
    recorded_at: int,
    writer: str | None = None,
    *,
    users: dict[str, str] | None = None,
    seal: Callable[[str, str, str], str] | None = None,
) -> None:
    """Merge event attributes by their keys' policies into what is stored (sessions are locked).
    `users`: each session's user, whose key `seal(user, key, text)` seals the values with."""
    pairs = sorted({(session_id, key) for session_id, key, _ in writes})
    rows = [{"owner": f"session:{sid}", "key": key} for sid, key in pairs]
    stored = {
        (r["owner"].removeprefix("session:"), r["key"]): stored_state(r)
        for r in await tx.rows("ingest/read_attributes", rows=rows)
    }
    changed: list[dict[str, Any]] = []
    by_session: dict[str, list[tuple[str, Write]]] = {}
    for session_id, key, write in sorted(writes, key=lambda w: w[2].at):  # stable: event order
        by_session.setdefault(session_id, []).append((key, write))
    for session_id, session_writes in sorted(by_session.items()):
        known = {key: s for (sid, key), s in stored.items() if sid == session_id}
        sealing = functools.partial(seal, (users or {})[session_id]) if seal is not None else _clear
        for row in change_rows(merged_changes(rules, known, session_writes), sealing):
            changed.append(row | {"sessionId": session_id, "owner": f"session:{session_id}"})
    if changed:
        await tx.execute(
            "ingest/merge_attributes",
            attributes=changed,
            recordedAt=recorded_at,
            writer=writer,
        )
