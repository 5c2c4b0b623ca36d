"""Exports sealed for their recipient (graph/keys/recipient.py): `export-key new` makes the
recipient's key pair, `--recipient-key PUBLIC.pem` on `export-user` and `export-analytics` seals
what they write, `export-open` opens it with the private key."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from graph.config import Settings
    from graph.keys.recipient import SealedWriter


class _SealedText:
    """Text written as UTF-8 into a sealed export."""

    def __init__(self, writer: SealedWriter) -> None:
        self.writer = writer

    def write(self, text: str) -> int:
        self.writer.write(text.encode("utf-8"))
        return len(text)


@contextlib.contextmanager
def export_output(path: str | None, recipient: str | None) -> Iterator[TextIO | _SealedText]:
    """Where an export goes — a file, or stdout — sealed for the holder of `recipient`'s private
    key when given (RecipientKeyError, before anything is written, for a key that is not one)."""
    if recipient is None:
        if path is None:
            yield sys.stdout
        else:
            with open(path, "w", encoding="utf-8") as out:
                yield out
        return
    from graph.keys.recipient import SealedWriter, load_public_key

    key = load_public_key(Path(recipient))
    with contextlib.ExitStack() as stack:
        raw = stack.enter_context(open(path, "wb")) if path else sys.stdout.buffer
        writer = SealedWriter(raw, key)
        yield _SealedText(writer)
        writer.close()


def add_recipient_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--recipient-key",
        metavar="PUBLIC.pem",
        help="seal the export for whoever holds the private key of this X25519 public key "
        "(`threadline export-key new`; they open it with `threadline export-open`)",
    )


def cmd_export_key(args: argparse.Namespace, settings: Settings) -> int:
    from graph.keys.recipient import new_key_pair

    private, public = Path(args.private), Path(args.public)
    try:
        new_key_pair(private, public)
    except FileExistsError:
        print(f"{private} exists: a private key is never overwritten", file=sys.stderr)
        return 2
    print(f"private key {private} (keep it; mode 0600), public key {public} (hand it over)")
    return 0


def cmd_export_open(args: argparse.Namespace, settings: Settings) -> int:
    from graph.keys.recipient import RecipientKeyError, load_private_key, opened

    try:
        key = load_private_key(Path(args.key))
        with contextlib.ExitStack() as stack:
            source = stack.enter_context(open(args.input, "rb"))
            out = stack.enter_context(open(args.output, "wb")) if args.output else sys.stdout.buffer
            for chunk in opened(source, key):
                out.write(chunk)
    except (RecipientKeyError, OSError) as error:
        print(f"threadline: {error}", file=sys.stderr)
        return 2
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    key = commands.add_parser("export-key", help="a recipient's key pair for sealed exports")
    actions = key.add_subparsers(dest="action", required=True)
    new = actions.add_parser("new", help="make a key pair (X25519, PEM files)")
    new.add_argument("private", help="where the private key goes (made 0600, never overwritten)")
    new.add_argument("public", help="where the public key goes (hand this one over)")
    key.set_defaults(run=cmd_export_key)
    open_ = commands.add_parser("export-open", help="open an export sealed for you")
    open_.add_argument("input", help="the sealed export")
    open_.add_argument("--key", required=True, help="your private key (PEM)")
    open_.add_argument("--output", "-o", help="a file (default: stdout)")
    open_.set_defaults(run=cmd_export_open)
