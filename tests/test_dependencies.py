"""The environment is the lock: what `make install` installs is exactly what uv.lock pins."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = tomllib.loads((ROOT / "uv.lock").read_text())
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed() -> dict[str, str]:
    return {normalized(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def test_every_installed_package_is_at_a_version_the_lock_pins() -> None:
    pinned: dict[str, set[str]] = {}
    for package in LOCK["package"]:
        pinned.setdefault(normalized(package["name"]), set()).add(package["version"])
    here = installed()
    unlocked = sorted(set(here) - set(pinned))
    assert not unlocked, f"installed but not in uv.lock: {unlocked}"
    off = {name: version for name, version in here.items() if version not in pinned[name]}
    assert not off, f"installed at versions uv.lock does not pin: {off}"


def test_the_lock_covers_every_dependency_and_extra_of_pyproject() -> None:
    locked = {normalized(package["name"]) for package in LOCK["package"]}
    declared = PROJECT["project"]["dependencies"] + [
        requirement
        for extra in PROJECT["project"]["optional-dependencies"].values()
        for requirement in extra
    ]
    names = {
        normalized(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0])
        for requirement in declared
    }
    assert names <= locked, sorted(names - locked)
    [this] = [package for package in LOCK["package"] if package["name"] == "threadline"]
    assert set(this["optional-dependencies"]) == set(PROJECT["project"]["optional-dependencies"])


def test_every_locked_file_is_hash_pinned() -> None:
    for package in LOCK["package"]:
        if "registry" not in package["source"]:
            continue  # the project itself (editable)
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert files, package["name"]
        assert all(file["hash"].startswith("sha256:") for file in files), package["name"]


def test_make_install_syncs_exactly_the_lock_with_the_pinned_uv() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "sync --locked --all-extras" in makefile  # refuses a lock pyproject disagrees with
    assert "--require-hashes" in makefile
    uv_pin = re.search(r"^uv==([\d.]+)", (ROOT / ".ci/uv-requirements.txt").read_text(), re.M)
    assert uv_pin is not None
    assert PROJECT["tool"]["uv"]["required-version"] == f"=={uv_pin.group(1)}"


def uv_lock_check(folder: Path) -> subprocess.CompletedProcess[str]:
    uv = ROOT / ".tools" / "bin" / "uv"
    assert uv.exists(), "make install puts the pinned uv in .tools/"
    return subprocess.run(
        [str(uv), "lock", "--check", "--offline", "--python", sys.executable],
        cwd=folder,
        env=os.environ | {"UV_PYTHON_DOWNLOADS": "never"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_lock_agrees_with_pyproject_and_a_changed_range_breaks_it(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    agreed = uv_lock_check(tmp_path)
    assert agreed.returncode == 0, agreed.stderr
    pyproject = tmp_path / "pyproject.toml"
    text = pyproject.read_text()
    assert '"redis>=5",' in text
    pyproject.write_text(text.replace('"redis>=5",', '"redis>=5,<8",'))
    assert uv_lock_check(tmp_path).returncode != 0  # what `make install` (and CI) then refuses
