"""Single-use continuation tokens for "Continue in app" links to a session.

`create_token` returns an opaque random token and stores only its SHA-256 hash, with an expiry of
at most an hour. `resume_session` redeems it once: the redeeming channel identity is attached to
the session's user — and when that identity already belongs to another (say, anonymous app)
user, that user is merged into the session's user with the token as evidence, reversibly. A
replayed, expired or unknown token is INVALID_TOKEN and attaches nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from graph.domain.errors import BadInputError, InvalidTokenError
from graph.domain.events import CHANNEL_PATTERN, MAX_ID_LENGTH, identity_key
from graph.domain.records import MergeRecord, SessionRecord, native_time, to_millis
from graph.keys.personal import Sealing
from graph.live.bus import LiveEventKind
from graph.live.events import publish_merge
from graph.store.merges import merge_in_tx
from graph.store.sessions import only_row

if TYPE_CHECKING:
    from graph.store.database import Database, Tx

MAX_TTL_SECONDS = 3600
TOKEN_PREFIX = "tlc_"  # noqa: S105 - a public prefix that marks the format, not a secret
ACTOR = "resumeSession"


@dataclass(frozen=True)
class ContinuationToken:
    token: str  # shown once; only its hash is stored
    session_id: str
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


Clock = Callable[[], datetime]  # injectable, so tests need not wait for a token to expire


def utc_now() -> datetime:
    return datetime.now(UTC)


async def create_token(
    db: Database,
    session_id: str,
    ttl_seconds: int = 900,
    actor: str | None = None,
    clock: Clock = utc_now,
) -> ContinuationToken:
    if not 1 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise BadInputError(
            f"ttlSeconds must be between 1 and {MAX_TTL_SECONDS}", field="ttlSeconds"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock()
    records = await db.write(
        "continuation/create",
        sessionId=session_id,
        hash=token_hash(token),
        now=to_millis(now),
        expiresAt=to_millis(now + timedelta(seconds=ttl_seconds)),
        actor=actor,
    )
    row = only_row(records, session_id)
    expires_at = native_time(row["expiresAt"])
    if expires_at is None:
        raise RuntimeError("continuation/create returned no expiry")
    return ContinuationToken(token, session_id, expires_at)


async def purge_expired_tokens(db: Database, now: datetime | None = None) -> int:
    """Delete tokens that expired more than a day ago (a used or expired token is useless; the
    day keeps a replay answering EXPIRED/USED rather than UNKNOWN for a while)."""
    before = to_millis((now or datetime.now(UTC)) - timedelta(days=1))
    deleted, _ = await db.write_in_batches("lifecycle/purge_tokens", 5000, before=before)
    return deleted


async def _resume_tx(
    tx: Tx,
    token: str,
    channel: str,
    external_id: str,
    now: datetime,
    sealing: Sealing | None = None,
) -> tuple[str, MergeRecord | None]:
    """Redeem the token; returns the session to continue and the merge it made, if any."""
    digest = token_hash(token)
    claimed = await tx.single("continuation/claim", hash=digest)
    if claimed is None:
        raise InvalidTokenError("unknown continuation token", field="token", reason="UNKNOWN")
    if claimed["used"]:
        raise InvalidTokenError("continuation token already used", field="token", reason="USED")
    if claimed["expiresAt"] <= to_millis(now):
        raise InvalidTokenError("continuation token expired", field="token", reason="EXPIRED")
    user_id = claimed["userId"]
    key = identity_key(channel, external_id)
    evidence = f"continuation token for session {claimed['sessionId']}"
    attached = await tx.one(
        "continuation/attach_identity",
        userId=user_id,
        key=key,
        channel=channel,
        externalId=sealing.identity(user_id, external_id) if sealing else external_id,
        now=to_millis(now),
        actor=ACTOR,
        evidence=evidence,
    )
    owner = attached["ownerId"]
    merge = None
    if owner != user_id:  # the same person, known on this channel as another user until now
        merge = await merge_in_tx(tx, owner, user_id, evidence, ACTOR, now)
    await tx.execute("continuation/redeem", hash=digest, now=to_millis(now), identityKey=key)
    return str(claimed["sessionId"]), merge


async def resume_session(
    db: Database, token: str, channel: str, external_id: str, clock: Clock = utc_now
) -> SessionRecord:
    """Redeem a token from `channel:external_id`; returns the session to continue."""
    if not CHANNEL_PATTERN.fullmatch(channel):
        raise BadInputError("channel must match [a-z0-9_-]{1,32}", field="channel")
    if not external_id.strip() or len(external_id) > MAX_ID_LENGTH:
        raise BadInputError(f"externalId must be 1..{MAX_ID_LENGTH} characters", field="externalId")
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise InvalidTokenError("not a continuation token", field="token", reason="UNKNOWN")
    session_id, merge = await db.write_tx(
        _resume_tx, token, channel, external_id, clock(), db.sealing
    )
    if merge is not None:
        publish_merge(db.live, merge, LiveEventKind.MERGE)
    records = await db.write("read/session", id=session_id)
    return SessionRecord.from_record(only_row(records, session_id))
