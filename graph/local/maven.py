"""One artifact from Maven Central into a folder, with the pinned dependency plugin."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# pinned like graph/local/pom.xml's: `dependency:copy` alone takes whatever Maven defaults to
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


class MavenError(RuntimeError):
    """Maven is missing, or could not fetch the artifact (the message ends with its output)."""


def copy_artifact(artifact: str, folder: Path) -> None:
    """`group:artifact:version` into `folder`, with strict checksums (`-C`)."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise MavenError(f"Maven (mvn) is needed to fetch {artifact}")
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-C",  # strict checksums
            f"{DEPENDENCY_PLUGIN}:copy",
            f"-Dartifact={artifact}",
            f"-DoutputDirectory={folder}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-2000:]
        raise MavenError(f"mvn could not fetch {artifact}:\n{tail}")
