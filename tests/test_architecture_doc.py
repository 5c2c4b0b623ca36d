"""docs/architecture.md names real things: every file, folder and module it puts in backticks
exists, so the description cannot drift from the code unnoticed when something moves."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
TICKED = re.compile(r"`([^`\s]+)`")
OURS = ("graph", "api", "connectors", "enrichment", "cypher", "tests", "bench", "docs")


def named_paths(text: str) -> set[str]:
    """Backticked repository paths: `graph/store/database.py`, `api/memory/`..."""
    return {
        token.split(":")[0]
        for token in TICKED.findall(text)
        if "/" in token and token.split("/")[0] in OURS and "*" not in token and "<" not in token
    }


def named_modules(text: str) -> set[str]:
    """Backticked dotted names of our modules: `graph.store.database`, `graph.recall`..."""
    return {
        token
        for token in TICKED.findall(text)
        if re.fullmatch(r"(graph|api|connectors|enrichment)(\.[a-z_]+)+", token)
    }


def described() -> str:
    """The document without its walkthrough of adding a query (whose files are examples)."""
    text = DOC.read_text()
    start = text.index("## Where a new feature goes")
    end = text.index("\n## ", start + 1)
    return text[:start] + text[end:]


def test_every_path_the_architecture_names_exists() -> None:
    paths = named_paths(described())
    assert len(paths) > 20  # the parser finds the document's paths
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == []


def test_every_module_the_architecture_names_exists() -> None:
    modules = named_modules(described())
    assert "graph.domain.callers" in modules
    missing = sorted(m for m in modules if not exists(m))
    assert missing == []


def exists(dotted: str) -> bool:
    """A module, or a name defined in one (`graph.store.database.translated`)."""
    module, _, name = dotted.rpartition(".")
    try:
        if importlib.util.find_spec(dotted) is not None:
            return True
    except ModuleNotFoundError:  # its parent is a module, not a package
        pass
    return hasattr(importlib.import_module(module), name)


def test_the_check_notices_a_path_that_moved() -> None:
    moved = "the gateway is `graph/store/statements.py` and `graph.pipeline.question`"
    assert named_paths(moved) == {"graph/store/statements.py"}
    assert not (ROOT / "graph/store/statements.py").exists()
    assert named_modules(moved) == {"graph.pipeline.question"}
