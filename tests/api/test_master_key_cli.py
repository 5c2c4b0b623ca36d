"""`threadline master-key`: the local master key file made once (what `make serve` runs),
rotation re-wrapping the key-encryption key, and a missing master key said in one line."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from api.cli import main
from graph.config import Settings
from graph.keys.configured import keyring_for


def test_init_rotate_and_a_missing_master_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THREADLINE_CACHE_DIR", str(tmp_path))
    assert main(["master-key", "init"]) == 0
    path = tmp_path / "keys" / "master.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    made = path.read_bytes()
    assert main(["master-key", "init"]) == 0  # again: the key is never replaced
    assert path.read_bytes() == made

    keyring = keyring_for(Settings())
    sealed = keyring.seal("usr_a", "ana@example.com", "attribute:email")
    capsys.readouterr()
    assert main(["master-key", "rotate"]) == 0
    # usr_a's key, the lookup secret's, and the key-encryption key that wraps them: only it
    assert "1 of 3 keys re-wrapped" in capsys.readouterr().err
    assert keyring_for(Settings()).open(sealed, "attribute:email") == "ana@example.com"

    monkeypatch.setenv("THREADLINE_MASTER_KEY", f"file:{tmp_path / 'absent.json'}")
    assert main(["master-key", "rewrap"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("threadline: no master key file")
    monkeypatch.setenv("THREADLINE_MASTER_KEY", "vault:whatever")
    assert main(["master-key", "rewrap"]) == 2
    assert "expected file:PATH or aws-kms:KEY_ID" in capsys.readouterr().err


def test_serve_with_encryption_refuses_to_start_without_its_master_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THREADLINE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")  # never reached
    monkeypatch.setenv("THREADLINE_ENCRYPTION", "true")
    assert main(["serve", "--port", "0"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: no master key file")
    assert "make serve creates one" in line
