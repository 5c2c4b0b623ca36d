"""Where the benchmarks write their JSON: bench/results/, or THREADLINE_BENCH_RESULTS (tests)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

DEFAULT = Path(__file__).resolve().parent / "results"


def write_results(name: str, payload: dict[str, Any]) -> Path:
    folder = Path(os.environ.get("THREADLINE_BENCH_RESULTS") or DEFAULT)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(payload, indent=2))
    return path
