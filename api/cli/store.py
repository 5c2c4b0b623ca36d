"""Store maintenance: schema, enrichment backfill, timers, email import.

threadline migrate                          # with THREADLINE_ENCRYPTION: seals what is in clear
threadline fulltext rebuild                 # purge erased words from the fulltext index
threadline reenrich [--since 2026-01-01] [--outdated]
threadline reenrich --embeddings [MODEL]   # embeddings of stored messages (resumable)
threadline sweep
threadline ingest-email FILE|-             # one RFC 5322 message or an mbox
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from api.cli.support import has_uri, parse_time, store_mode_problem, with_database
from graph.config import Settings

if TYPE_CHECKING:
    from graph.store.database import Database


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from graph.store.schema import migrate
    from graph.store.sealing import (
        record_sealed,
        seal_stored_attributes,
        seal_stored_entities,
        seal_stored_identities,
        seal_stored_outbox,
        seal_stored_threads,
    )

    if not has_uri(settings):
        return 2
    count = with_database(settings, migrate)
    print(f"schema applied: {count} statements", file=sys.stderr)
    if not settings.encryption:
        return 0
    # values written before encryption was on are sealed in place

    def sealing(seen: int, sealed: int) -> None:
        end = "\r" if sys.stderr.isatty() else "\n"
        print(
            f"  sealing: {seen} attributes read, {sealed} values sealed", end=end, file=sys.stderr
        )

    async def seal(db: Database) -> int:
        return await seal_stored_attributes(db, progress=sealing)

    print(f"attribute values sealed: {with_database(settings, seal)}", file=sys.stderr)
    passes: list[tuple[str, str, Callable[..., Awaitable[int]]]] = [
        ("personal entities moved to their hash", "personal entities", seal_stored_entities),
        ("identities re-keyed by their hash", "identities", seal_stored_identities),
        ("platform threads re-keyed by their hash", "threads", seal_stored_threads),
        ("replies' recipients and destinations sealed", "replies", seal_stored_outbox),
    ]
    for done, unit, run in passes:

        async def one_pass(
            db: Database, run: Callable[..., Awaitable[int]] = run, unit: str = unit
        ) -> int:
            return await run(db, progress=lambda n: print(f"  {n} {unit}", file=sys.stderr))

        print(f"{done}: {with_database(settings, one_pass)}", file=sys.stderr)
    with_database(settings, record_sealed)
    print(
        "the store is recorded as sealed: serve it with THREADLINE_ENCRYPTION=true", file=sys.stderr
    )
    return 0


def cmd_fulltext(args: argparse.Namespace, settings: Settings) -> int:
    from graph.store.schema import FULLTEXT, rebuild_fulltext

    if not has_uri(settings):
        return 2
    began = time.monotonic()
    with_database(settings, rebuild_fulltext)
    print(f"{FULLTEXT} rebuilt in {time.monotonic() - began:.1f} s", file=sys.stderr)
    return 0


def progress_bar(total: int) -> Callable[[int], None]:
    """A one-line progress bar on stderr (redrawn in place on a terminal)."""
    began = time.monotonic()

    def show(done: int) -> None:
        share = done / total if total else 1.0
        bar = "#" * int(30 * share)
        rate = done / max(time.monotonic() - began, 1e-6)
        end = "\r" if sys.stderr.isatty() and done < total else "\n"
        print(f"  [{bar:<30}] {done}/{total} ({rate:.0f}/s)", end=end, file=sys.stderr)

    return show


def cmd_embeddings(args: argparse.Namespace, settings: Settings) -> int:
    from enrichment.embedders import load_embedder
    from enrichment.embeddings import EmbeddingError
    from graph.pipeline.reenrich import backfill_embeddings, embeddings_due
    from graph.store.recall_blocks import build_blocks

    try:
        embedder = load_embedder(args.embeddings, settings.model_folder())
    except EmbeddingError as error:
        print(str(error), file=sys.stderr)
        return 2
    if embedder is None:
        print("embeddings are off: name a model (--embeddings e5-small-v2)", file=sys.stderr)
        return 2

    async def run(db: Database) -> int:
        due = await embeddings_due(db, embedder.name, args.since, args.until)
        print(f"computing {embedder.name} embeddings of {due} messages", file=sys.stderr)
        embedded = await backfill_embeddings(
            db,
            embedder,
            args.since,
            args.until,
            page_size=args.batch,
            progress=progress_bar(due),
        )
        print(f"embedded {embedded} messages; recall blocks of every session:", file=sys.stderr)
        await build_blocks(db, embedder.name, progress=sessions_seen)
        return embedded

    with_database(settings, run)
    return 0


def sessions_seen(done: int) -> None:
    print(f"  {done} sessions", file=sys.stderr)


def cmd_reenrich(args: argparse.Namespace, settings: Settings) -> int:
    from graph.pipeline.enrich import enricher_for
    from graph.pipeline.reenrich import reenrich
    from graph.store.recall_blocks import build_blocks

    if not has_uri(settings):
        return 2
    if args.embeddings is not None:
        return cmd_embeddings(args, settings)
    enricher = enricher_for(settings.model_copy(update={"spacy_model": args.model}))
    if enricher is None:
        print("--model off: nothing to re-enrich with", file=sys.stderr)
        return 2
    print(f"re-enriching with {enricher.version}", file=sys.stderr)

    async def run(db: Database) -> int:
        count = await reenrich(
            db,
            enricher,
            args.since,
            args.until,
            page_size=args.batch,
            outdated_only=args.outdated,
            progress=lambda n: print(f"  {n} messages", file=sys.stderr),
        )
        print(f"re-enriched {count} messages; recall blocks of every session:", file=sys.stderr)
        model = None if settings.embeddings == "off" else settings.embeddings
        await build_blocks(db, model, progress=sessions_seen)
        return count

    with_database(settings, run)
    return 0


def cmd_ingest_email(args: argparse.Namespace, settings: Settings) -> int:
    from connectors.platforms.base import WebhookError
    from connectors.platforms.email import parse_email, split_messages
    from graph.domain.events import fit_text
    from graph.pipeline.enrich import enricher_for
    from graph.pipeline.ingest import ingest_events

    if not has_uri(settings):
        return 2
    if problem := store_mode_problem(settings):
        print(problem, file=sys.stderr)
        return 2
    raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    events, skipped = [], 0
    for message in split_messages(raw):
        try:
            events.append(fit_text(parse_email(message), settings.max_text_bytes))
        except WebhookError as error:
            skipped += 1
            print(f"skipped a message: {error.reason}", file=sys.stderr)
    enricher = enricher_for(settings)

    async def run(db: Database) -> tuple[int, int]:
        accepted = duplicates = 0
        for start in range(0, len(events), settings.max_batch):
            result = await ingest_events(
                db,
                events[start : start + settings.max_batch],
                enricher,
                settings.ingest_limits(),
                settings.write_rules(),
            )
            accepted += result.accepted
            duplicates += result.duplicates
        return accepted, duplicates

    accepted, duplicates = with_database(settings, run) if events else (0, 0)
    print(
        f"emails: {accepted} stored, {duplicates} already known, {skipped} skipped", file=sys.stderr
    )
    return 0


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    from graph.store.lifecycle import Timers, channel_timers, sweep

    if not has_uri(settings):
        return 2

    async def run(db: Database) -> dict[str, int]:
        from graph.store.continuation import purge_expired_tokens

        moved = await sweep(
            db, Timers.from_settings(settings), channel_timers=channel_timers(settings)
        )
        return moved | {"expired tokens deleted": await purge_expired_tokens(db)}

    moved = with_database(settings, run)
    print("sweep: " + ", ".join(f"{k} {v}" for k, v in moved.items()), file=sys.stderr)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fulltext = commands.add_parser(
        "fulltext", help="the messages' fulltext index (rebuild: purge erased words from it)"
    )
    fulltext.add_argument("action", choices=["rebuild"])
    fulltext.set_defaults(run=cmd_fulltext)
    commands.add_parser("migrate", help="apply constraints and indexes").set_defaults(
        run=cmd_migrate
    )

    again = commands.add_parser("reenrich", help="re-run enrichment over stored messages")
    again.add_argument(
        "--since",
        type=parse_time,
        default=datetime(2000, 1, 1, tzinfo=UTC),
        help="only messages at or after this ISO time (default: all)",
    )
    again.add_argument(
        "--until",
        type=parse_time,
        default=datetime(9999, 1, 1, tzinfo=UTC),
        help="only messages before this ISO time (default: no limit)",
    )
    again.add_argument("--batch", type=int, default=500, help="messages per transaction")
    again.add_argument(
        "--outdated", action="store_true", help="only messages of another pipeline version"
    )
    again.add_argument(
        "--model", default=Settings().spacy_model, help="auto | rules | a spaCy package"
    )
    again.add_argument(
        "--embeddings",
        nargs="?",
        const=Settings().embeddings,
        default=None,
        metavar="MODEL",
        help="only compute the embeddings stored messages lack (model: THREADLINE_EMBEDDINGS, "
        "or wordllama); resumable, each message once",
    )
    again.set_defaults(run=cmd_reenrich)

    commands.add_parser(
        "sweep", help="apply due session timers once (ACTIVE→IDLE→CLOSED→ARCHIVED)"
    ).set_defaults(run=cmd_sweep)

    mail = commands.add_parser("ingest-email", help="store an RFC 5322 message or an mbox")
    mail.add_argument("file", help="a .eml/.txt message, an mbox, or - for standard input")
    mail.set_defaults(run=cmd_ingest_email)
