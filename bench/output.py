"""Where the benchmarks write their JSON: bench/results/, or THREADLINE_BENCH_RESULTS (tests).
Every file says which machine and software produced it, and how the run was configured."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

from graph.config import Settings

DEFAULT = Path(__file__).resolve().parent / "results"
PACKAGES = ("neo4j", "neo4j-rust-ext", "strawberry-graphql", "graphql-core", "spacy", "uvicorn")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    """The machine, OS, Python, Neo4j and library versions of this run."""
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "neo4j_server": Settings().neo4j_version,
        "packages": versions,
    }


def results_folder() -> Path:
    """bench/results/, or THREADLINE_BENCH_RESULTS; created."""
    folder = Path(os.environ.get("THREADLINE_BENCH_RESULTS") or DEFAULT)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_results(name: str, results: list[dict[str, Any]], **run: Any) -> Path:
    """Write `{"at", "machine", "run", "results"}`; `run` holds the options of this run."""
    path = results_folder() / name
    payload = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "run": run,
        "results": results,
    }
    path.write_text(json.dumps(payload, indent=2))
    return path
