"""Enrichment throughput on one core: rule-only vs statistical (en_core_web_sm) mode.

    .venv/bin/python -m bench.enrichment [--messages 5000]

Prints messages/s per mode and writes bench/results/enrichment.json. The process is pinned to one
CPU (and BLAS/OpenMP to one thread) so the figure means "per core".
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

from bench.output import write_results  # noqa: E402
from bench.workload import messages  # noqa: E402
from enrichment.pipeline import EnrichmentConfig, EnrichmentError, build_enricher  # noqa: E402


def measure(mode: str, count: int, repeats: int) -> dict[str, object] | None:
    try:
        enricher = build_enricher(EnrichmentConfig(model=mode))
    except EnrichmentError:
        return None
    if mode == "auto" and not enricher.statistical:
        return None  # no statistical model installed: nothing more to measure
    times = [datetime.now(UTC)] * count
    enricher.enrich(messages(100, seed=0), times[:100])  # warm-up: lazy regex/metadata loading
    best = float("inf")
    for repeat in range(repeats):
        # a fresh corpus each time: new order ids, emails... are new words, as in production
        texts = messages(count, seed=repeat + 1)
        start = time.perf_counter()
        annotations = enricher.enrich(texts, times)
        best = min(best, time.perf_counter() - start)
    mentions = sum(len(a.mentions) for a in annotations)
    return {
        "mode": "rules" if mode == "rules" else "statistical",
        "model": enricher.model,
        "messages": count,
        "seconds": round(best, 3),
        "messages_per_second": round(len(texts) / best),
        "mentions_per_message": round(mentions / len(texts), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    measured = [measure(mode, args.messages, args.repeats) for mode in ("rules", "auto")]
    rows = [row for row in measured if row is not None]
    print(f"{'mode':<12} {'model':<32} {'msgs':>6} {'msgs/s':>8} {'mentions/msg':>13}")
    for row in rows:
        print(
            f"{row['mode']:<12} {row['model']!s:<32} {row['messages']:>6} "
            f"{row['messages_per_second']:>8} {row['mentions_per_message']:>13}"
        )
    if len(rows) == 2:
        rules, statistical = (float(str(row["messages_per_second"])) for row in rows)
        ratio = rules / statistical
        print(f"rule-only is {ratio:.1f}x the statistical mode")
    write_results("enrichment.json", rows, cores_used=1, **vars(args))


if __name__ == "__main__":
    main()
