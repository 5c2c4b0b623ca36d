"""Neo4j Browser for the local server: `org.neo4j.client:neo4j-browser` from Maven Central.

The jar holds the Browser's static files under `browser/`; on the server's classpath with the
HTTP connector on, Neo4j serves them at `/browser/` (`threadline neo4j start --browser`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.domain.errors import Neo4jUnavailableError
from graph.local.jar_lock import LOCKS, verify_jars
from graph.local.maven import MavenError, copy_artifact

if TYPE_CHECKING:
    from pathlib import Path

    from graph.config import Settings


def install_browser(settings: Settings) -> Path:
    """Fetch Neo4j Browser (`org.neo4j.client:neo4j-browser`, static files in a jar) once."""
    version = settings.neo4j_browser_version
    folder = settings.cache_dir / f"neo4j-browser-{version}"
    jar = folder / f"neo4j-browser-{version}.jar"
    if jar.exists():
        return jar
    folder.mkdir(parents=True, exist_ok=True)
    try:
        copy_artifact(f"org.neo4j.client:neo4j-browser:{version}", folder)
    except MavenError as error:
        raise Neo4jUnavailableError(str(error)) from error
    if not jar.exists():
        raise Neo4jUnavailableError(f"mvn did not fetch {jar.name}")
    try:
        verify_jars(folder, LOCKS / f"neo4j-browser-{version}.sha256")
    except Neo4jUnavailableError:
        jar.unlink()  # fetched again next time rather than trusted
        raise
    return jar
