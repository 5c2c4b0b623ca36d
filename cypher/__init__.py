"""Every Cypher statement Threadline runs, as `.cypher` files loaded by name.

>>> from cypher import load
>>> load("context/session_messages")  # doctest: +ELLIPSIS
'...'

Values are always `$parameters`; nothing here is ever concatenated with input.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import LiteralString

ROOT = Path(__file__).resolve().parent


class UnknownQueryError(KeyError):
    """Raised when no `.cypher` file has the requested name."""


@cache
def load(name: str) -> LiteralString:
    """Return the text of `cypher/<name>.cypher` (read once, then cached)."""
    path = (ROOT / f"{name}.cypher").resolve()
    if ROOT not in path.parents or not path.is_file():
        raise UnknownQueryError(name)
    # query text comes from our own files, never from input: a LiteralString by construction
    return path.read_text(encoding="utf-8").strip()  # type: ignore[return-value,unused-ignore]


def statements(name: str) -> list[LiteralString]:
    """Split a multi-statement file (schema files) on `;` at line ends, without comments."""
    lines = [line for line in load(name).splitlines() if not line.lstrip().startswith("//")]
    parts = "\n".join(lines).split(";\n")
    return [part.strip().rstrip(";").strip() for part in parts if part.strip()]


def names(group: str | None = None) -> list[str]:
    """All query names (e.g. `ingest/create_messages`), optionally within one folder."""
    base = ROOT / group if group else ROOT
    return sorted(str(p.relative_to(ROOT).with_suffix("")) for p in base.rglob("*.cypher"))
