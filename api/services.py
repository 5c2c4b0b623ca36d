"""The app's services, built once at the composition root and handed to every endpoint: the
store gateway, the group-commit batcher, the audit trail, authentication, the connectors, the
settings — and the background work they need while the app runs (migrate, audit flusher,
lifecycle sweeper)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

from pydantic import SecretStr

from api import metrics
from connectors.platforms.base import Connector
from connectors.platforms.outbound import IDEMPOTENT_CHANNELS, Senders
from connectors.platforms.registry import build_connectors
from enrichment.embedders import load_embedder
from enrichment.patterns import ConversationRules, load_conversation_rules
from enrichment.pipeline import Enricher
from graph.compliance.audit import AuditLog
from graph.compliance.credentials import Authenticator
from graph.config import Settings
from graph.domain.triggers import load_rules
from graph.live.redis_bus import RedisBus
from graph.pipeline.batcher import IngestBatcher
from graph.pipeline.enrich import enricher_for, question_enricher_for
from graph.recall.block_cache import BLOCKS
from graph.recall.history import ASSEMBLED
from graph.store.database import Database
from graph.store.lifecycle import Timers, channel_timers, sweep_forever
from graph.store.schema import migrate
from graph.workers.outbox_sender import OutboxWorker
from graph.workers.trigger_runner import TriggerEngine

log = logging.getLogger("threadline.api")


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database  # the store gateway; `db.live` is the live-event bus
    batcher: IngestBatcher  # every write goes through it (group commit)
    audit: AuditLog
    authenticator: Authenticator
    connectors: dict[str, Connector]
    dev: bool
    conversation_rules: ConversationRules  # facts and the handoff brief's steps
    senders: Senders  # each platform's API, for replies out
    outbox: OutboxWorker  # sends stored replies (sendMessage) through their platforms
    triggers: TriggerEngine  # THREADLINE_TRIGGERS: rules on session state → actions
    question_enricher: Enricher | None = None  # how recall reads a question (rule-based)

    @classmethod
    def build(cls, settings: Settings, *, dev: bool) -> Services:
        if dev and settings.jwt_secret is None and settings.jwt_public_key_file is None:
            # `serve --dev` issues user tokens (issueUserToken) without configuration: signed
            # with a secret that lives as long as this process
            settings = settings.model_copy(
                update={"jwt_secret": SecretStr(secrets.token_urlsafe(32))}
            )
            log.info("dev: JWTs and user tokens signed with a per-process secret")
        db = Database.from_settings(settings)
        enricher = enricher_for(settings)
        if enricher is not None:
            log.info("enrichment: %s", enricher.version)
        embedder = load_embedder(settings.embeddings, settings.model_folder())
        if embedder is not None:
            log.info("embeddings: %s", embedder.name)
        cache_bytes, cache_seconds = settings.recall_cache_mb * 2**20, settings.recall_cache_seconds
        BLOCKS.configure(cache_bytes, cache_seconds)
        ASSEMBLED.configure(cache_bytes // 4, cache_seconds)  # whole histories: a quarter more
        if isinstance(db.live, RedisBus):
            db.live.on_dropped = metrics.LIVE_EVENTS_DROPPED.inc
        connectors = build_connectors(settings)
        senders = Senders(settings)
        audit = AuditLog(db, settings.pseudonym_key)
        _log_modes(settings, connectors, dev=dev)
        return cls(
            settings=settings,
            db=db,
            batcher=IngestBatcher(
                db,
                enricher,
                metrics.observe_commit,
                settings.ingest_limits(),
                settings.write_rules(),
                embedder,
            ),
            audit=audit,
            authenticator=Authenticator(db, settings),
            connectors=connectors,
            dev=dev,
            conversation_rules=load_conversation_rules(settings.enrichment_patterns),
            senders=senders,
            triggers=TriggerEngine(
                db,
                load_rules(settings.triggers),
                audit=audit.record_system,
                interval=settings.trigger_interval_seconds,
            ),
            outbox=OutboxWorker(
                db, senders.send, IDEMPOTENT_CHANNELS, settings.outbox_interval_seconds
            ),
            question_enricher=question_enricher_for(settings, enricher),
        )

    @contextlib.asynccontextmanager
    async def running(self, *, apply_schema: bool) -> AsyncIterator[None]:
        """While the app serves: the schema applied, the audit flushed, the timers swept."""
        if apply_schema:
            count = await migrate(self.db)
            log.info("schema applied (%d statements) on %s", count, self.settings.neo4j_uri)
        tasks = [asyncio.create_task(self.audit.run())]
        if self.settings.sweep_interval_seconds > 0:
            tasks.append(
                asyncio.create_task(
                    sweep_forever(
                        self.db,
                        Timers.from_settings(self.settings),
                        self.settings.sweep_interval_seconds,
                        channel_timers(self.settings),
                        self.settings.retention(),
                    )
                )
            )
        # Everything loaded so far (schema, enrichment pipeline, driver) lives as long as the
        # process: keep it out of the cyclic GC, whose full collections otherwise scanned it all
        # (~45 ms pauses, the p99 of a loaded server). Refcounting still frees it as usual; only
        # reference cycles among these objects stay (e.g. the first enrichment pipeline once it
        # is rebuilt: ~7 MB for the rule-based one).
        self.outbox.start()
        self.triggers.start()
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await self.outbox.close()
            await self.triggers.close()
            await self.senders.close()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if self.batcher.embeddings is not None:  # store what was embedded meanwhile
                await self.batcher.embeddings.close()
            if self.batcher.blocks is not None:
                await self.batcher.blocks.close()
            await self.db.close()


def _log_modes(settings: Settings, connectors: dict[str, Connector], *, dev: bool) -> None:
    if dev:
        log.warning(
            "DEV MODE: requests without a bearer token act as an unauthenticated ADMIN, "
            "GraphiQL and introspection are on. Never expose this server."
        )
    enabled = sorted(name for name, c in connectors.items() if c.enabled)
    if settings.insecure_webhooks:
        log.warning("THREADLINE_INSECURE_WEBHOOKS=1: webhooks accept UNSIGNED requests")
    elif settings.alexa_skill_id and not settings.alexa_verify_signatures:
        log.warning(
            "THREADLINE_ALEXA_VERIFY_SIGNATURES=false: Alexa requests are NOT checked against "
            "Amazon's signature (skill id and timestamp only) - offline tests only"
        )
    log.info("webhooks enabled: %s", ", ".join(enabled) or "none")
