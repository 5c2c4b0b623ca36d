"""The jars of the local Neo4j are the bytes the lock pins (graph/local/locks/)."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import pytest

from graph.config import Settings
from graph.domain.errors import Neo4jUnavailableError
from graph.local.jar_lock import LOCKS, read_lock, verify_jars
from graph.local.maven import DEPENDENCY_PLUGIN


def jar_folder(tmp_path: Path, jars: dict[str, bytes]) -> tuple[Path, Path]:
    folder = tmp_path / "lib"
    folder.mkdir()
    for name, data in jars.items():
        (folder / name).write_bytes(data)
    lock = tmp_path / "test.sha256"
    lines = [f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in jars.items()]
    lock.write_text("# a comment\n" + "\n".join(lines) + "\n")
    return folder, lock


def test_jars_matching_the_lock_pass(tmp_path: Path) -> None:
    folder, lock = jar_folder(tmp_path, {"a.jar": b"a", "b.jar": b"b"})
    verify_jars(folder, lock)


def test_a_changed_jar_fails_naming_it(tmp_path: Path) -> None:
    folder, lock = jar_folder(tmp_path, {"a.jar": b"a", "b.jar": b"b"})
    (folder / "b.jar").write_bytes(b"tampered")
    with pytest.raises(Neo4jUnavailableError, match=r"b\.jar"):
        verify_jars(folder, lock)


def test_an_extra_or_a_missing_jar_fails(tmp_path: Path) -> None:
    folder, lock = jar_folder(tmp_path, {"a.jar": b"a", "b.jar": b"b"})
    (folder / "c.jar").write_bytes(b"c")
    with pytest.raises(Neo4jUnavailableError, match=r"c\.jar"):
        verify_jars(folder, lock)
    (folder / "c.jar").unlink()
    (folder / "a.jar").unlink()
    with pytest.raises(Neo4jUnavailableError, match=r"a\.jar"):
        verify_jars(folder, lock)


def test_a_version_without_a_lock_is_used_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, _ = jar_folder(tmp_path, {"a.jar": b"a"})
    with caplog.at_level(logging.WARNING, "threadline.neo4j"):
        verify_jars(folder, tmp_path / "none.sha256")
    assert "not hash-checked" in caplog.text


def test_the_default_versions_have_locks_of_well_formed_hashes() -> None:
    settings = Settings()
    for name in (
        f"neo4j-{settings.neo4j_version}.sha256",
        f"neo4j-browser-{settings.neo4j_browser_version}.sha256",
    ):
        pinned = read_lock(LOCKS / name)
        assert pinned, name
        assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in pinned.values())
        assert all(jar.endswith(".jar") for jar in pinned)
    server = read_lock(LOCKS / f"neo4j-{settings.neo4j_version}.sha256")
    assert f"neo4j-{settings.neo4j_version}.jar" in server


def test_maven_plugins_are_pinned_not_left_to_maven_defaults() -> None:
    pom = (LOCKS.parent / "pom.xml").read_text()
    assert re.search(r"<artifactId>maven-dependency-plugin</artifactId>\s*<version>[\d.]+<", pom)
    assert DEPENDENCY_PLUGIN.rsplit(":", 1)[1] in pom
