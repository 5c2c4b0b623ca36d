"""The `threadline` command run as a user runs it: a subprocess, from a chosen folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_threadline(
    *args: str,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`threadline ARGS` in `cwd` with this environment less NEO4J_URI, plus `env`."""
    environment = {k: v for k, v in os.environ.items() if k != "NEO4J_URI"}
    environment |= {"PYTHONPATH": str(ROOT)} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
