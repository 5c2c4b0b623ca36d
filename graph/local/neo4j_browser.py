"""Neo4j Browser for the local server: `org.neo4j.client:neo4j-browser` from Maven Central.

The jar holds the Browser's static files under `browser/`; on the server's classpath with the
HTTP connector on, Neo4j serves them at `/browser/` (`threadline neo4j start --browser`).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from graph.domain.errors import Neo4jUnavailableError
from graph.local.jar_lock import LOCKS, verify_jars

if TYPE_CHECKING:
    from pathlib import Path

    from graph.config import Settings

# pinned like graph/local/pom.xml's: `dependency:copy` alone takes whatever Maven defaults to
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


def install_browser(settings: Settings) -> Path:
    """Fetch Neo4j Browser (`org.neo4j.client:neo4j-browser`, static files in a jar) once."""
    version = settings.neo4j_browser_version
    folder = settings.cache_dir / f"neo4j-browser-{version}"
    jar = folder / f"neo4j-browser-{version}.jar"
    if jar.exists():
        return jar
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jUnavailableError("Maven (mvn) is needed to fetch Neo4j Browser")
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-C",  # strict checksums
            f"{DEPENDENCY_PLUGIN}:copy",
            f"-Dartifact=org.neo4j.client:neo4j-browser:{version}",
            f"-DoutputDirectory={folder}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not jar.exists():
        tail = (result.stdout + result.stderr)[-2000:]
        raise Neo4jUnavailableError(f"mvn could not fetch Neo4j Browser {version}:\n{tail}")
    try:
        verify_jars(folder, LOCKS / f"neo4j-browser-{version}.sha256")
    except Neo4jUnavailableError:
        jar.unlink()  # fetched again next time rather than trusted
        raise
    return jar
