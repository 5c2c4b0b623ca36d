"""The jars Maven fetches for the local Neo4j, checked against a committed list of sha256 hashes.

Maven resolves fixed versions (graph/local/pom.xml pins Neo4j and the dependency plugin; Neo4j's
own POMs pin the rest) and `-C` makes it check each jar against the repository's checksum. The
lock adds what the repository cannot: that the jars are the very bytes this commit was tested
with. One `<sha256>  <file name>` line per jar, as `sha256sum *.jar` prints them; regenerate
after a version bump as docs/dependencies.md says.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from graph.domain.errors import Neo4jUnavailableError

LOCKS = Path(__file__).resolve().parent / "locks"

log = logging.getLogger("threadline.neo4j")


def read_lock(lock: Path) -> dict[str, str]:
    """File name -> sha256 from a `sha256sum`-format lock."""
    pinned: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            pinned[name.lstrip("*")] = digest
    return pinned


def verify_jars(folder: Path, lock: Path) -> None:
    """The jars in `folder` are exactly those `lock` pins, byte for byte (when there is a lock)."""
    if not lock.exists():
        log.warning("no jar lock %s: the jars in %s are not hash-checked", lock.name, folder)
        return
    pinned = read_lock(lock)
    found = {jar.name: hashlib.sha256(jar.read_bytes()).hexdigest() for jar in folder.glob("*.jar")}
    differ = sorted(
        name for name in pinned.keys() | found.keys() if found.get(name) != pinned.get(name)
    )
    if differ:
        more = " …" if len(differ) > 5 else ""
        raise Neo4jUnavailableError(
            f"the jars in {folder} differ from {lock.name}: {', '.join(differ[:5])}{more}"
        )
