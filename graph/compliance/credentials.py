"""Who is calling: API keys (stored hashed in Neo4j) and JWTs (HS256/RS256) → a `Principal`.

An API key is `tlk_<id>_<secret>`; only the SHA-256 of the whole token is stored, with its role,
optional channel restriction, name and creation/revocation times. A JWT is verified for
signature, expiry, issuer and audience; its `role` and optional `channels` claims become the
principal's. Nothing here trusts a token it cannot verify: any failure is UNAUTHENTICATED.

An end user (a browser or an app through the SDK) holds a short-lived JWT with `role: user` and
the one channel identity it speaks for (`channel`, `externalUserId` claims): minted by
`issue_user_token` (the `issueUserToken` mutation, for a backend holding a connector key) or by
the deployment's own identity provider with the same claims. It is never an API key.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt

from graph.domain.callers import CallerRole
from graph.domain.errors import (
    BadInputError,
    NotFoundError,
    UnauthenticatedError,
)
from graph.domain.events import CHANNEL_PATTERN, identity_key
from graph.domain.records import ApiKeyRecord, native_time, to_millis

if TYPE_CHECKING:
    from graph.config import Settings
    from graph.store.database import Database

KEY_PREFIX = "tlk_"
DASHBOARD_PREFIX = "tld_"  # a dashboard session token (the sign-in cookie), never an API key
DASHBOARD_SESSION_SECONDS = 8 * 3600


# USER sees its own messages unmasked: what it may reach is limited to its own sessions
# (api/user_scope.py), not masked
PII_ROLES = frozenset({CallerRole.AGENT, CallerRole.ADMIN, CallerRole.USER})
KEY_ROLES = frozenset(CallerRole) - {CallerRole.USER}  # an end user never holds an API key
USER_TOKEN_MAX_SECONDS = 86_400


@dataclass(frozen=True)
class EndUser:
    """The one channel identity a user token speaks for."""

    channel: str
    external_user_id: str

    @property
    def identity_key(self) -> str:
        return identity_key(self.channel, self.external_user_id)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: `subject` is the key id or JWT `sub` (what audit records)."""

    subject: str
    role: CallerRole
    channels: frozenset[str] = frozenset()  # empty: every channel
    method: str = "key"  # key | jwt | dev
    end_user: EndUser | None = None  # role USER: whose sessions it may reach
    # a connector granted `issueUserToken` for its own channels (never implied by the role)
    issues_user_tokens: bool = False

    @property
    def sees_pii(self) -> bool:
        return self.role in PII_ROLES

    def may_use_channel(self, channel: str) -> bool:
        return not self.channels or channel in self.channels

    def may_issue_user_token(self, channel: str) -> bool:
        """Admins may; a connector only with the grant, and only for one of its own channels
        (a grant needs a channel list: an unrestricted connector never issues)."""
        if self.role is CallerRole.ADMIN:
            return True
        return (
            self.role is CallerRole.CONNECTOR
            and self.issues_user_tokens
            and channel in self.channels
        )


DEV_ADMIN = Principal("dev-admin", CallerRole.ADMIN, method="dev")


@dataclass(frozen=True)
class NewApiKey:
    record: ApiKeyRecord
    token: str  # shown once


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_role(value: str) -> CallerRole:
    """The role of a new API key (never `user`: end users get short-lived user tokens)."""
    try:
        role = CallerRole(value.lower())
    except ValueError:
        role = None
    if role not in KEY_ROLES:
        roles = ", ".join(r.value for r in CallerRole if r in KEY_ROLES)
        raise BadInputError(f"role must be one of: {roles}", field="role")
    return role


def check_channels(channels: list[str]) -> list[str]:
    for channel in channels:
        if not CHANNEL_PATTERN.fullmatch(channel):
            raise BadInputError(
                f"channel {channel!r} must match [a-z0-9_-]{{1,32}}", field="channel"
            )
    return sorted(set(channels))


def _key_record(row: dict[str, Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        row["id"],
        CallerRole(row["role"]),
        list(row.get("channels") or []),
        row.get("name"),
        native_time(row.get("createdAt")),
        native_time(row.get("revokedAt")),
        bool(row.get("issuesUserTokens")),
    )


async def create_key(
    db: Database,
    role: CallerRole,
    channels: list[str] | None = None,
    name: str | None = None,
    *,
    issue_user_tokens: bool = False,
) -> NewApiKey:
    """A new key; `issue_user_tokens` grants a connector `issueUserToken` for its channels."""
    if role not in KEY_ROLES:
        raise BadInputError("end users get user tokens (issueUserToken), not API keys")
    if issue_user_tokens and (role is not CallerRole.CONNECTOR or not channels):
        raise BadInputError(
            "only a connector key restricted to channels (--channel) may issue user tokens, "
            "and only for those channels",
            field="issueUserTokens",
        )
    key_id = secrets.token_hex(8)
    token = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    records = await db.write(
        "auth/create_key",
        id=key_id,
        hash=_hash(token),
        role=role.value,
        channels=check_channels(channels or []),
        name=name,
        issuesUserTokens=issue_user_tokens,
        now=to_millis(datetime.now(UTC)),
    )
    return NewApiKey(_key_record(records[0]["key"]), token)


async def list_keys(db: Database) -> list[ApiKeyRecord]:
    records = await db.read("auth/list_keys")
    return [_key_record(r["key"]) for r in records]


async def revoke_key(db: Database, key_id: str) -> ApiKeyRecord:
    records = await db.write("auth/revoke_key", id=key_id, now=to_millis(datetime.now(UTC)))
    if not records:
        raise NotFoundError(f"no API key {key_id!r}", field="id")
    return _key_record(records[0]["key"])


@dataclass
class Authenticator:
    """Turns an `Authorization` header value into a Principal (keys cached a few seconds)."""

    db: Database
    settings: Settings
    _cache: dict[str, tuple[float, Principal | None]] = field(default_factory=dict)
    # the JWT verification key, read once (an RS256 key file is not read per request)
    _jwt_key: str | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._jwt_key = self.settings.jwt_verification_key()

    async def principal(self, authorization: str | None, *, dev: bool) -> Principal:
        """`authenticate`, except that in dev mode a request without credentials is the local
        admin (credentials that are sent are still verified)."""
        if dev and not authorization:
            return DEV_ADMIN
        return await self.authenticate(authorization)

    async def authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            raise UnauthenticatedError("missing bearer token (Authorization: Bearer <token>)")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise UnauthenticatedError("expected Authorization: Bearer <token>")
        if token.startswith(KEY_PREFIX):
            return await self._api_key(token)
        return self._jwt(token)

    async def _api_key(self, token: str) -> Principal:
        principal = await self._cached(_hash(token), "auth/find_key", "key", _key_principal)
        if principal is None:
            raise UnauthenticatedError("unknown or revoked API key")
        return principal

    async def _cached(
        self,
        digest: str,
        statement: str,
        column: str,
        build: Callable[[dict[str, Any]], Principal],
    ) -> Principal | None:
        """The principal the `column` of `statement`'s one row (looked up by token hash) stands
        for, or None; answers are kept THREADLINE_AUTH_CACHE_SECONDS (a revocation takes that
        long)."""
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        records = await self.db.read(statement, hash=digest, now=int(time.time() * 1000))
        principal = build(dict(records[0][column])) if records else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (time.monotonic() + self.settings.auth_cache_seconds, principal)
        return principal

    async def open_dashboard_session(self, token: str, principal: Principal) -> str:
        """A dashboard sign-in for `principal` (just authenticated with `token`): a random
        session token for the cookie, so the cookie never holds the API key or JWT itself. It
        ends after DASHBOARD_SESSION_SECONDS, when a JWT would expire, at sign-out, or when
        the API key it was opened with is revoked."""
        now = time.time()
        ends = now + DASHBOARD_SESSION_SECONDS
        key_id = principal.subject if principal.method == "key" else None
        if principal.method == "jwt":
            expiry = jwt.decode(token, options={"verify_signature": False}).get("exp")
            ends = min(ends, float(expiry)) if isinstance(expiry, int | float) else ends
        session = f"{DASHBOARD_PREFIX}{secrets.token_urlsafe(32)}"
        await self.db.write(
            "auth/create_dashboard_session",
            hash=_hash(session),
            keyId=key_id,
            subject=principal.subject,
            role=principal.role.value,
            channels=sorted(principal.channels),
            now=int(now * 1000),
            expires=int(ends * 1000),
        )
        return session

    async def dashboard_session(self, session: str) -> Principal:
        """The caller a dashboard session cookie stands for (cached like API keys)."""
        principal = await self._cached(
            _hash(session), "auth/find_dashboard_session", "session", _session_principal
        )
        if principal is None:
            raise UnauthenticatedError("the dashboard session ended: sign in again")
        return principal

    async def close_dashboard_session(self, session: str) -> None:
        self._cache.pop(_hash(session), None)
        await self.db.write("auth/delete_dashboard_session", hash=_hash(session))

    def issue_user_token(
        self, channel: str, external_user_id: str, ttl_seconds: int, issuer: str
    ) -> UserToken:
        return issue_user_token(self.settings, channel, external_user_id, ttl_seconds, issuer)

    def _jwt(self, token: str) -> Principal:
        key = self._jwt_key
        if key is None:
            raise UnauthenticatedError("JWTs are not configured (THREADLINE_JWT_SECRET/PUBLIC_KEY)")
        algorithm = "RS256" if self.settings.jwt_public_key_file else "HS256"
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
                leeway=30,
            )
        except jwt.PyJWTError as error:
            raise UnauthenticatedError(f"invalid token: {error}") from None
        try:
            role = CallerRole(str(claims.get("role", "")).lower())
        except ValueError:
            raise UnauthenticatedError("token has no valid `role` claim") from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip():
            raise UnauthenticatedError("token `sub` claim must name the caller")
        if role is CallerRole.USER:
            return _end_user(subject, claims)
        channels = claims.get("channels") or []
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            raise UnauthenticatedError("token `channels` claim must be a list of channels")
        grant = claims.get("issueUserTokens") is True  # as the key grant: explicit, per token
        return Principal(
            f"jwt:{subject}", role, frozenset(channels), "jwt", issues_user_tokens=grant
        )


def _key_principal(row: dict[str, Any]) -> Principal:
    return Principal(
        row["id"],
        CallerRole(row["role"]),
        frozenset(row.get("channels") or []),
        "key",
        issues_user_tokens=bool(row.get("issuesUserTokens")),
    )


def _session_principal(row: dict[str, Any]) -> Principal:
    channels = frozenset(row.get("channels") or [])
    return Principal(row["subject"], CallerRole(row["role"]), channels, "dashboard")


def _end_user(subject: str, claims: dict[str, Any]) -> Principal:
    channel, external = claims.get("channel"), claims.get("externalUserId")
    if not isinstance(channel, str) or not CHANNEL_PATTERN.fullmatch(channel):
        raise UnauthenticatedError("a user token needs a `channel` claim")
    if not isinstance(external, str) or not external.strip():
        raise UnauthenticatedError("a user token needs an `externalUserId` claim")
    return Principal(
        f"jwt:{subject}", CallerRole.USER, frozenset({channel}), "jwt", EndUser(channel, external)
    )


@dataclass(frozen=True)
class UserToken:
    token: str
    channel: str
    external_user_id: str
    expires_at: datetime


def issue_user_token(
    settings: Settings, channel: str, external_user_id: str, ttl_seconds: int, issuer: str
) -> UserToken:
    """A user token (HS256 with THREADLINE_JWT_SECRET) for one channel identity, valid
    `ttl_seconds` (1 s to a day). `issuer` (the caller's subject) is recorded in the token."""
    if settings.jwt_public_key_file is not None or settings.jwt_secret is None:
        raise BadInputError(
            "issuing user tokens needs THREADLINE_JWT_SECRET (HS256); with RS256 keys your "
            "identity provider mints them (claims in docs/security.md)"
        )
    if not 1 <= ttl_seconds <= USER_TOKEN_MAX_SECONDS:
        raise BadInputError(f"ttlSeconds must be 1..{USER_TOKEN_MAX_SECONDS}", field="ttlSeconds")
    check_channels([channel])
    if not external_user_id.strip() or len(external_user_id) > 256:
        raise BadInputError("externalUserId must be 1..256 characters", field="externalUserId")
    now = int(time.time())
    expires = now + ttl_seconds
    # the subject names the identity without spelling it out (it is what the audit records)
    identity = hashlib.sha256(identity_key(channel, external_user_id).encode()).hexdigest()[:20]
    claims = {
        "sub": f"user:{identity}",
        "role": CallerRole.USER.value,
        "channel": channel,
        "externalUserId": external_user_id,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": expires,
        "issuedBy": issuer,
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
    return UserToken(token, channel, external_user_id, datetime.fromtimestamp(expires, UTC))
