"""Smoke tests of `make bench`'s scripts at toy sizes: each runs end to end against the real
services and writes every figure it promises (docs/PERFORMANCE.md is built from them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from graph.config import Settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
API_SCENARIOS = {
    ("ingest-batch", 4),
    ("ingest-single", 16),
    ("context-read", 1),
    ("context-brief", 1),
    ("context-read", 8),
    ("context-read", 32),
    ("context-open", 32),
    ("baseline-driver", 1),
    ("baseline-driver", 32),
}


def bench(
    settings: Settings, tmp_path: Path, module: str, *args: str, env: dict[str, str] | None = None
) -> str:
    auth = settings.neo4j_auth() or ("neo4j", "")
    environment = {
        **os.environ,
        "NEO4J_URI": settings.neo4j_uri or "",
        "NEO4J_USER": auth[0],
        "NEO4J_PASSWORD": auth[1],
        "NEO4J_DATABASE": settings.neo4j_database,
        "THREADLINE_BENCH_RESULTS": str(tmp_path),
    } | (env or {})
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def results(tmp_path: Path, name: str) -> list[dict[str, Any]]:
    written = json.loads((tmp_path / name).read_text())
    machine = written["machine"]  # every file says what produced it
    assert machine["cpus"] >= 1
    assert machine["cpu"]
    assert machine["python"]
    assert machine["packages"]["neo4j"]
    assert written["run"]  # ... and with which options
    rows: list[dict[str, Any]] = written["results"]
    return rows


@pytest.mark.parametrize("workers", [1, 2])
def test_api_bench_measures_every_scenario(
    settings: Settings, tmp_path: Path, workers: int
) -> None:
    # a short warm-up: run alone (a cold Neo4j plans the context read for ~1 s), the first
    # scenario would otherwise measure planning, not reads; each scenario then runs half a
    # second (the figures are not what is tested here: that every scenario measures)
    small = ["--users", "6", "--messages", "4", "--duration", "0.5", "--warmup", "1"]
    printed = bench(settings, tmp_path, "bench.api", *small, "--workers", str(workers))
    name = "api.json" if workers == 1 else "api-2-workers.json"
    rows = results(tmp_path, name)
    measured = [r for r in rows if r["scenario"] != "memory"]
    assert {(r["scenario"], r["clients"]) for r in measured} == API_SCENARIOS
    assert all(r["per_second"] > 0 for r in measured)
    assert all(0 < r["p50_ms"] <= r["p99_ms"] for r in measured if "p50_ms" in r)
    # where the time goes: CPU per request of the API processes and the load generator (and of
    # Neo4j, found by its Bolt port when the tests run it on this machine)
    reads = [r for r in measured if r["scenario"] == "context-read"]
    assert all(r["cpu_ms_api"] > 0 and r["cpu_ms_client"] > 0 for r in reads)
    idle_api = [r["cpu_ms_api"] for r in measured if r["scenario"] == "baseline-driver"]
    assert max(idle_api) < min(r["cpu_ms_api"] for r in reads) / 4  # the driver baseline skips it
    opened = sorted(r["offered_per_second"] for r in rows if r["scenario"] == "context-open")
    assert opened == [100, 200, 300]
    [memory] = [r for r in rows if r["scenario"] == "memory"]
    assert memory["processes"] == workers
    assert 50 < memory["rss_mb"] < 1000
    assert "API overhead" in printed
    assert "Brief cost" in printed


def test_redis_baseline_and_scale_benches_run(settings: Settings, tmp_path: Path) -> None:
    bench(settings, tmp_path, "bench.redis_baseline", "--users", "5", "--duration", "0.3")
    scenarios = {(r["scenario"], r["clients"]) for r in results(tmp_path, "redis.json")}
    assert ("baseline-redis context", 32) in scenarios
    printed = bench(settings, tmp_path, "bench.scale", "--sizes", "100,200", "--reads", "20")
    assert [r["messages"] for r in results(tmp_path, "scale.json")] == [100, 200]
    assert "p99 at 200 / p99 at 100" in printed


def test_enrichment_bench_measures_both_modes(settings: Settings, tmp_path: Path) -> None:
    printed = bench(settings, tmp_path, "bench.enrichment", "--messages", "200", "--repeats", "1")
    rows = results(tmp_path, "enrichment.json")
    assert [r["mode"] for r in rows] == ["rules", "statistical"]  # make test installs the model
    assert all(r["messages"] == 200 and r["messages_per_second"] > 0 for r in rows)
    assert "rule-only is" in printed


def test_recall_bench_reports_quality_beside_bm25_and_latency(
    settings: Settings, tmp_path: Path
) -> None:
    printed = bench(
        settings, tmp_path, "bench.recall", "--people", "2", "--sizes", "", "--duration", "0.5"
    )
    [run] = results(tmp_path, "recall.json")
    methods = {row["method"]: row for row in run["quality"]}
    assert {"recall (all signals)", "BM25 (bm25s)", "last 10 messages", "keywords only"} <= set(
        methods
    )
    for row in methods.values():
        assert row["questions"] == 16  # eight question types for each of two people
        assert 0 <= row["recall@5"] <= row["recall@10"] <= row["recall@20"] <= 100
        assert {"temporal@10", "multi-hop@10", "entity@10"} <= set(row)
    assert {(r["scenario"], r["clients"]) for r in run["latency"]} == {("recall", 1), ("recall", 8)}
    assert all(r["p50_ms"] > 0 and r["stored_messages"] > 1000 for r in run["latency"])
    assert run["api_rss_mb"] > 0
    assert "BM25 (bm25s)" in printed
    assert "recall x8" in printed


def locomo_like(path: Path, ids: tuple[str, ...]) -> Path:
    """A file in LoCoMo's format, written here (LoCoMo itself is never committed): two
    sessions per conversation, one question of each category with its evidence turn."""
    conversations = []
    for number, sample_id in enumerate(ids):
        pet, city = f"dog{number}", f"Town{number}"
        conversations.append(
            {
                "sample_id": sample_id,
                "conversation": {
                    "speaker_a": "Ann",
                    "speaker_b": "Bob",
                    "session_1_date_time": "1:56 pm on 8 May, 2023",
                    "session_1": [
                        {"speaker": "Ann", "dia_id": "D1:1", "text": f"I adopted a {pet}."},
                        {"speaker": "Bob", "dia_id": "D1:2", "text": "Lovely, what breed?"},
                        {"speaker": "Ann", "dia_id": "D1:3", "text": "A beagle, very loud."},
                    ],
                    "session_2_date_time": "10:04 am on 20 June, 2023",
                    "session_2": [
                        {"speaker": "Ann", "dia_id": "D2:1", "text": f"I moved to {city}."},
                        {"speaker": "Bob", "dia_id": "D2:2", "text": "How is the new flat?"},
                    ],
                },
                "qa": [
                    {"question": "What pet did Ann adopt?", "evidence": ["D1:1"], "category": 4},
                    {"question": "When did Ann move?", "evidence": ["D2:1"], "category": 2},
                    {
                        "question": "Where does the beagle live now?",
                        "evidence": ["D1:3; D2:1"],
                        "category": 1,
                    },
                    {"question": "Is Ann an animal lover?", "evidence": ["D1:1"], "category": 3},
                    {"question": "What did Ann say about cats?", "category": 5},
                ],
            }
        )
    path.write_text(json.dumps(conversations))
    return path


def test_locomo_bench_reads_only_the_dev_half(settings: Settings, tmp_path: Path) -> None:
    from bench.locomo import DEV, load_dev

    data = locomo_like(tmp_path / "locomo.json", (*DEV, "conv-99"))
    assert [c.sample_id for c in load_dev(data)] == list(DEV)  # the other one is not loaded
    with pytest.raises(SystemExit, match="are not all there"):
        load_dev(locomo_like(tmp_path / "partial.json", DEV[:4]))
    done = subprocess.run(
        [sys.executable, "-m", "bench.locomo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "THREADLINE_LOCOMO": ""},
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert "git clone https://github.com/snap-research/LoCoMo" in done.stderr


def test_locomo_bench_reports_recall_beside_bm25(settings: Settings, tmp_path: Path) -> None:
    from bench.locomo import DEV

    data = locomo_like(tmp_path / "locomo.json", DEV)
    printed = bench(
        settings,
        tmp_path,
        "bench.locomo",
        "--ablations",
        "--api",
        "--embeddings",
        "e5-small-v2",
        env={"THREADLINE_LOCOMO": str(data)},
    )
    [run] = results(tmp_path, "locomo.json")
    methods = {row["method"]: row for row in run["quality"]}
    assert {
        "recall",
        "no embeddings",
        "no session",
        "no time",
        "no neighbours",
        "keywords only",
        "BM25 (bm25s)",
    } == set(methods)
    assert methods["recall"]["questions"] == 4 * len(DEV)  # category 5 has no evidence
    assert (
        0 <= methods["recall"]["R@5"] <= methods["recall"]["R@10"] <= methods["recall"]["R@20"] <= 1
    )
    assert set(run["per_person_R@10"]) == set(DEV)
    assert "single-hop" in printed
    # every question through a real server too, embeddings off and on
    assert [row["embeddings"] for row in run["api"]] == ["off", "e5-small-v2"]
    for row in run["api"]:
        assert row["questions"] == 4 * len(DEV)
        assert 0 < row["p50_ms"] <= row["p95_ms"]
        assert row["api_rss_mb"] > 0


def test_api_bench_measures_ingest_with_embeddings_and_their_lag(
    settings: Settings, tmp_path: Path
) -> None:
    printed = bench(
        settings,
        tmp_path,
        "bench.api",
        "--embeddings",
        "wordllama",
        "--users",
        "4",
        "--messages",
        "3",
        "--warmup",
        "0",
    )
    rows = results(tmp_path, "api-embeddings.json")
    assert [row["scenario"] for row in rows] == [
        "ingest-batch-embeddings-off",
        "ingest-batch-embeddings-wordllama",
    ] * 2
    for row in rows[1::2]:
        assert row["embedding_backlog_of"] == 12
        assert 0 <= row["embedding_backlog_at_end"] <= 12
        assert row["embedded_within_s"] is not None
        assert row["vs_off"] > 0
    assert all(row["api_rss_mb"] > 0 for row in rows)
    assert "embeddings on / off" in printed


def test_recall_scale_bench_measures_each_history_size(settings: Settings, tmp_path: Path) -> None:
    printed = bench(
        settings,
        tmp_path,
        "bench.recall_scale",
        "--histories",
        "40,100",
        "--store",
        "10",
        "--duration",
        "0.5",
    )
    [run] = results(tmp_path, "recall-scale.json")
    assert [row["history_turns"] for row in run["histories"]] == [40, 100]
    for row in run["histories"]:
        assert row["requests"] > 0
        assert 0 < row["p50_ms"] <= row["p95_ms"]
    assert run["api_rss_mb"] > 0
    assert "history    100 turns" in printed


def test_profile_bench_writes_a_flame_graph_and_the_top_functions(
    settings: Settings, tmp_path: Path
) -> None:
    small = ["--duration", "1", "--warmup", "0.5", "--clients", "2", "--users", "4"]
    printed = bench(settings, tmp_path, "bench.profile", *small)
    [run] = results(tmp_path, "profile-context.json")
    assert run["requests"] > 0
    assert (tmp_path / "profile-context.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "profile-context.txt").stat().st_size > 0
    assert run["top"]
    assert all(0 < row["own_pct"] <= row["total_pct"] <= 100 for row in run["top"])
    assert "own %" in printed


def test_ab_bench_compares_two_commits(settings: Settings, tmp_path: Path) -> None:
    """bench/ab.py: the baseline commit's server and this tree's, alternated on one Neo4j."""
    small = ["--rounds", "1", "--users", "6", "--duration", "0.5", "--warmup", "0.5"]
    printed = bench(settings, tmp_path, "bench.ab", "--baseline", "HEAD", *small)
    rows = results(tmp_path, "ab.json")
    assert [r["server"] for r in rows] == ["HEAD", "this tree"]
    for row in rows:
        assert 0 < row["raw_p50_ms"] < row["context_p50_ms"]
        assert 0 < row["store_read_p50_ms"] < row["context_p50_ms"]
        assert row["context_vs_raw"] > 1
        assert row["context_vs_store_read"] > 1
        for figure in ("api_cpu_ms_per_read", "context32_per_s", "recall_p50_ms"):
            assert row[figure] > 0
        assert row["ingest_events_per_s"] > 0
        assert 50 < row["api_rss_mb"] < 1000
    assert "| context / raw read p50 |" in printed


def test_encryption_bench_compares_off_and_on(settings: Settings, tmp_path: Path) -> None:
    """bench/encryption.py: servers with encryption off and on, alternated on one Neo4j; the
    context read checks the sealed attributes come back."""
    small = ["--rounds", "1", "--users", "6", "--duration", "0.5", "--warmup", "0.5"]
    printed = bench(settings, tmp_path, "bench.encryption", *small)
    rows = results(tmp_path, "encryption.json")
    assert [r["encryption"] for r in rows] == ["off", "on"]
    assert all(r["ingest_events_per_s"] > 0 and r["context_p50_ms"] > 0 for r in rows)
    assert "on / off" in printed
