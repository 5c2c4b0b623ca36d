"""Configuration, read once from the environment into one typed object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.domain.attribute_policies import PolicyRule
from graph.domain.events import IngestLimits

NEO4J_VERSION = "5.26.30"


@dataclass(frozen=True)
class AnalyticsLimits:
    """The row cap and timeout of one analytic (THREADLINE_ANALYTICS_MAX_ROWS, _TIMEOUT_SECONDS),
    and the privacy budget of each consumer of private answers (THREADLINE_PRIVACY_BUDGET)."""

    max_rows: int = 10_000
    timeout_seconds: float = 30.0
    privacy_budget: float = 10.0


DEFAULT_ANALYTICS_LIMITS = AnalyticsLimits()


@dataclass(frozen=True)
class WriteRules:
    """How writes combine (THREADLINE_ATTRIBUTE_POLICIES, _CONTINUE_WINDOW_HOURS)."""

    attribute_policies: tuple[PolicyRule, ...] = ()
    continue_window: timedelta = timedelta(hours=24 * 7)


DEFAULT_WRITE_RULES = WriteRules()


class ChannelTimers(BaseModel):
    """Timer overrides for sessions whose last activity was on one channel."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    idle_after_minutes: float | None = None
    close_after_hours: float | None = None
    archive_after_days: float | None = None


class Settings(BaseSettings):
    """Every knob Threadline reads; see the configuration table in the README."""

    model_config = SettingsConfigDict(env_prefix="THREADLINE_", extra="ignore")

    neo4j_uri: str | None = Field(default=None, validation_alias="NEO4J_URI")
    neo4j_user: str = Field(default="neo4j", validation_alias="NEO4J_USER")
    neo4j_password: SecretStr = Field(default=SecretStr(""), validation_alias="NEO4J_PASSWORD")
    neo4j_database: str = Field(default="neo4j", validation_alias="NEO4J_DATABASE")

    neo4j_version: str = NEO4J_VERSION
    cache_dir: Path = Path.home() / ".cache" / "threadline"
    neo4j_heap: str = "512m"
    neo4j_pagecache: str = "256m"
    neo4j_start_timeout: float = 180.0
    neo4j_browser_version: str = "5.24.0"  # org.neo4j.client:neo4j-browser for `--browser`
    # how long erased data can stay in the local server's transaction logs: a log file is
    # pruned once it has rotated (after this much more writing) and a checkpoint has passed
    neo4j_tx_log_rotation_size: str = "16M"
    neo4j_checkpoint_interval: str = "5m"

    max_batch: int = 500
    max_text_bytes: int = 16 * 1024
    max_context_messages: int = 500
    future_skew_seconds: int = 300
    continue_window_hours: float = 24 * 7

    idle_after_minutes: float = 30
    close_after_hours: float = 24
    archive_after_days: float = 30
    sweep_interval_seconds: float = 60  # the background sweeper of `serve`; 0 turns it off
    # retention of ARCHIVED sessions' messages: after N days, anonymize (or purge) them
    retention_days: float | None = None
    retention_mode: Literal["anonymize", "purge"] = "anonymize"
    # per-channel overrides of the three timers, e.g. {"voice": {"idle_after_minutes": 2}}
    channel_timers: dict[str, ChannelTimers] = Field(default_factory=dict)
    # attribute merge policies by key glob, first match wins; unmatched keys: LAST_WRITE_WINS
    attribute_policies: list[PolicyRule] = Field(default_factory=list)

    spacy_model: str = "auto"  # auto | rules | off | <spaCy package>
    # message embeddings for recall: e5-small-v2 | bge-small-en-v1.5 | wordllama | off
    # (enrichment/embedders.py); the ONNX models come with `make install`
    embeddings: str = "e5-small-v2"
    # per-person data keys (graph/keys/): the master key that wraps them — "file:PATH" (a local
    # key file; unset: <cache_dir>/keys/master.json) or "aws-kms:KEY_ID_OR_ARN" — and the key
    # store that keeps them wrapped, outside Neo4j (unset: <cache_dir>/keys/data-keys.sqlite)
    # THREADLINE_ENCRYPTION: attribute values and personal entities sealed per person
    # (docs/security.md, Encryption keys); the attribute keys that are not personal stay in
    # clear (globs: "tier", "vip_*"); the entity types that are personal are keyed by a keyed
    # hash, their values sealed
    encryption: bool = False
    clear_attribute_keys: list[str] = Field(default_factory=list)
    personal_entity_types: list[str] = Field(
        default_factory=lambda: ["EMAIL", "PHONE", "PERSON", "ACCOUNT_NUMBER", "ADDRESS"]
    )
    master_key: str | None = None
    key_store: str | None = None  # a file path, or dynamodb:TABLE (graph/keys/configured.py)
    aws_kms_endpoint: str | None = None  # a KMS other than AWS's own (a local one in tests)
    aws_dynamodb_endpoint: str | None = None  # likewise for a DynamoDB key store
    key_cache_seconds: float = Field(default=60.0, ge=0)
    # recall blocks each API process keeps unpacked (graph/recall/block_cache.py): at most this
    # many MB of them (packed size), each at most this old; the histories put together from
    # them (graph/recall/history.py) up to a quarter of it again; 0 MB keeps none
    recall_cache_mb: int = Field(default=256, ge=0)
    recall_cache_seconds: float = Field(default=600.0, ge=0)
    # where `threadline models install` (run by `make install`) unpacks the ONNX embedding
    # models; None: <cache_dir>/models
    models_dir: Path | None = None
    enrichment_patterns: Path | None = None
    phone_region: str = "US"
    date_dayfirst: bool = False

    # connectors: a channel whose secret is unset is disabled unless insecure_webhooks is on
    web_secret: SecretStr | None = None
    mobile_secret: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    messenger_app_secret: SecretStr | None = None
    messenger_verify_token: SecretStr | None = None
    twilio_auth_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    email_token: SecretStr | None = None
    alexa_skill_id: str | None = None
    # check Amazon's signature and certificate chain on Alexa requests; false: offline tests only
    alexa_verify_signatures: bool = True
    dialogflow_token: SecretStr | None = None
    x_consumer_secret: SecretStr | None = None  # X Account Activity API: CRC and signatures
    phone_greeting: str = "Hello, how can we help you?"  # said when a call starts (Twilio Voice)
    insecure_webhooks: bool = False
    public_url: str | None = None  # as platforms see us (Twilio signs the URL), e.g. behind a proxy
    webhook_max_bytes: int = 1024 * 1024

    # replies out (sendMessage): each platform's API base (fake servers in the tests) and tokens;
    # a channel without its credentials cannot send (FAILED: not configured)
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None  # the sender when the thread does not name it
    messenger_api_base: str = "https://graph.facebook.com/v21.0"
    messenger_page_token: SecretStr | None = None
    twilio_api_base: str = "https://api.twilio.com"
    twilio_account_sid: str | None = None
    twilio_from_number: str | None = None  # the sender when the thread does not name it
    slack_api_base: str = "https://slack.com/api"
    slack_bot_token: SecretStr | None = None
    x_api_base: str = "https://api.x.com"
    x_access_token: SecretStr | None = None  # OAuth 2.0 user context, dm.write
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True
    outbox_interval_seconds: float = 1.0  # how often the outbox worker looks for due replies
    triggers: Path | None = None  # a JSON rule file (docs/triggers.md); unset: no triggers
    trigger_interval_seconds: float = 30.0  # how often the rules are evaluated for open sessions

    # authentication: API keys live in Neo4j; JWTs need a secret (HS256) or a public key (RS256)
    jwt_secret: SecretStr | None = None
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = "threadline"
    jwt_audience: str = "threadline"
    # web pages on these origins may call /graphql from the browser (the web SDK); comma-separated
    cors_origins: str = ""
    # `THREADLINE_CORS_ORIGINS=*` (every web page may call the API) only when this says so
    cors_allow_any_origin: bool = False
    # what a user token may write: session attributes under `user.` only, and of those only
    # these names (comma-separated; `*`: any name, empty: none)
    user_attribute_keys: str = "*"
    auth_cache_seconds: float = 5.0  # a revoked API key stops working within this time
    # /graphql guards: largest request body, longest request
    max_request_bytes: int = 10 * 1024 * 1024
    request_timeout_seconds: float = 30.0
    # a connection must send a request's complete headers within this time (slow-header sockets)
    header_timeout_seconds: float = 10.0
    # keyed hashes standing in for ids in audit entries and anonymized exports (default: a
    # random key created once in the graph)
    pseudonym_key: SecretStr | None = None

    # analytics and ad-hoc Cypher: row cap and timeout of one query
    analytics_max_rows: int = 10_000
    # privateAnalytics: the total epsilon each consumer may spend (graph/analytics/private.py)
    privacy_budget: float = Field(default=10.0, gt=0)
    analytics_timeout_seconds: float = 30.0
    # the Neo4j user ad-hoc Cypher runs as (give it the `reader` role where the server has roles;
    # unset: the service's own user)
    cypher_user: str | None = None
    cypher_password: SecretStr | None = None
    dashboard_cache_seconds: float = 60.0  # one overview computation per window for this long

    log_level: str = "INFO"

    # live events (sessionEvents) across API instances / `serve --workers N`: redis://host:port/db
    live_url: str | None = None
    live_channel: str = "threadline:live"

    def write_rules(self) -> WriteRules:
        """How writes combine: attribute merge policies and the continuation window."""
        return WriteRules(
            tuple(self.attribute_policies), timedelta(hours=self.continue_window_hours)
        )

    def analytics_limits(self) -> AnalyticsLimits:
        """The row cap and timeout of one analytic."""
        return AnalyticsLimits(
            self.analytics_max_rows, self.analytics_timeout_seconds, self.privacy_budget
        )

    def retention(self) -> tuple[float, str] | None:
        """(days, mode) of message retention, when THREADLINE_RETENTION_DAYS is set."""
        if self.retention_days is None:
            return None
        return (self.retention_days, self.retention_mode)

    def ingest_limits(self) -> IngestLimits:
        """What one ingest call may hold (its slice of the settings)."""
        return IngestLimits(self.max_batch, self.max_text_bytes, self.future_skew_seconds)

    def user_attribute_names(self) -> frozenset[str] | None:
        """The names a user token may write under `user.` (None: any)."""
        if self.user_attribute_keys.strip() == "*":
            return None
        return frozenset(k.strip() for k in self.user_attribute_keys.split(",") if k.strip())

    def _listed_origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    def cors_problem(self) -> str | None:
        """Why THREADLINE_CORS_ORIGINS cannot be used as it is, or None."""
        origins = self._listed_origins()
        if "null" in origins:
            return (
                "THREADLINE_CORS_ORIGINS: 'null' is not an origin a page can be trusted by "
                "(sandboxed frames and local files all send it)"
            )
        if "*" in origins and not self.cors_allow_any_origin:
            return (
                "THREADLINE_CORS_ORIGINS='*' lets every web page call the API: list the pages' "
                "origins, or set THREADLINE_CORS_ALLOW_ANY_ORIGIN=true to mean it"
            )
        return None

    def cors_origin_list(self) -> list[str]:
        """The origins whose pages may call the API (`["*"]`: any, when explicitly allowed);
        ValueError for a value `cors_problem` refuses."""
        if (problem := self.cors_problem()) is not None:
            raise ValueError(problem)
        origins = self._listed_origins()
        return ["*"] if "*" in origins else origins

    def jwt_verification_key(self) -> str | None:
        """The RS256 public key (PEM) if configured, else the HS256 secret, else None."""
        if self.jwt_public_key_file is not None:
            return self.jwt_public_key_file.read_text()
        return self.jwt_secret.get_secret_value() if self.jwt_secret else None

    def cypher_auth(self) -> tuple[str, str] | None:
        """The Neo4j user of ad-hoc Cypher, or None to run it as the service's user."""
        if self.cypher_user is None:
            return None
        password = self.cypher_password.get_secret_value() if self.cypher_password else ""
        return (self.cypher_user, password)

    def key_folder(self) -> Path:
        return self.cache_dir / "keys"

    def key_store_path(self) -> Path:
        """The key store's file (when it is not a DynamoDB table)."""
        if self.key_store:
            return Path(self.key_store).expanduser()
        return self.key_folder() / "data-keys.sqlite"

    def model_folder(self) -> Path:
        """Where the ONNX embedding models are (THREADLINE_MODELS_DIR, or under the cache)."""
        return self.models_dir or self.cache_dir / "models"

    def neo4j_auth(self) -> tuple[str, str] | None:
        """Basic auth for the driver, or None when the server runs without auth."""
        password = self.neo4j_password.get_secret_value()
        return (self.neo4j_user, password) if password else None
