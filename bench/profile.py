"""Where the API's CPU goes: a sampling profile of the real server under a steady load.

    .venv/bin/python -m bench.profile [--scenario context|ingest] [--duration 12] [--clients 32]
    make profile

The API runs as its own process (`threadline serve`, rule-based enrichment, embeddings off,
authentication on) against a real Neo4j; the store is preloaded through the API; after a
warm-up, the scenario's load runs for `--duration` seconds while py-spy (a sampling profiler
that reads the process from outside: the server runs unmodified) samples it. Writes a flame
graph (bench/results/profile-<scenario>.svg), the collapsed stacks beside it (.txt), and prints
the functions holding the most samples (own and total). py-spy needs to read the server's
memory (ptrace): root, or kernel.yama.ptrace_scope 0. The samplers take CPU too: on a small
machine the load runs slower while sampled; the shares are what the profile is for.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.api import (
    context_reader,
    identities_of,
    ingest_batch,
    single_event_poster,
)
from bench.load import closed_loop
from bench.output import results_folder, write_results
from bench.server import admin_client, start_server
from graph.config import Settings
from graph.local.neo4j_server import free_port
from graph.local.provision import Neo4jTarget, provision

# samples per second, per sampler (two: the flame graph and the collapsed stacks); py-spy reads
# the server from its own process, so on 2 shared cores sampling slows the load: read shares,
# not the throughput printed beside them
RATE = 100


def py_spy() -> str:
    """The py-spy executable installed with the project (beside this Python), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else "py-spy"


def record(pid: int, seconds: float, out: Path, form: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            py_spy(),
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(RATE),
            "--duration",
            str(max(1, round(seconds))),
            "--format",
            form,
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def top_functions(collapsed: Path, count: int = 15) -> list[dict[str, Any]]:
    """The functions holding the most samples: own (the sample's innermost frame) and total
    (anywhere on the stack), as shares of all samples."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, weight = line.rpartition(" ")
        if not stack or not weight.isdigit():
            continue
        n = int(weight)
        frames = stack.split(";")
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    return [
        {
            "function": name,
            "own_pct": round(100 * own[name] / samples, 1),
            "total_pct": round(100 * total[name] / samples, 1),
        }
        for name, _ in own.most_common(count)
    ]


async def run(args: argparse.Namespace, settings: Settings, target: Neo4jTarget) -> dict[str, Any]:
    port = free_port()
    server = start_server(target, port, "rules")
    prefix = f"prof{int(time.time())}"
    folder = results_folder()
    flame = folder / f"profile-{args.scenario}.svg"
    collapsed = folder / f"profile-{args.scenario}.txt"
    try:
        async with await admin_client(target, settings, port) as http:
            await ingest_batch(http, args.users, 20, prefix)
            identities = identities_of(args.users, 20, prefix)
            rng = random.Random(7)  # noqa: S311 - load pattern, not a secret
            load = (
                context_reader(http, identities, rng)
                if args.scenario == "context"
                else single_event_poster(http, identities, prefix, rng)
            )
            await closed_loop(args.clients, args.warmup, load)  # warm-up: plans, caches, JIT
            samplers = [
                record(server.pid, args.duration, flame, "flamegraph"),
                record(server.pid, args.duration, collapsed, "raw"),
            ]
            measured = await closed_loop(args.clients, args.duration, load)
            for sampler in samplers:
                _, error = sampler.communicate(timeout=args.duration + 60)
                if sampler.returncode != 0:
                    raise RuntimeError(f"py-spy failed: {error.decode()[-500:]}")
        row = measured.row(args.scenario, args.clients)
        return row | {
            "flame_graph": str(flame),
            "collapsed_stacks": str(collapsed),
            "top": top_functions(collapsed),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=["context", "ingest"], default="context")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds sampled")
    parser.add_argument("--warmup", type=float, default=20.0, help="unsampled seconds first")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--users", type=int, default=300, help="preloaded through the API")
    args = parser.parse_args()
    settings = Settings()
    with provision(settings) as target:
        out = asyncio.run(run(args, settings, target))
    print(
        f"{args.scenario} at {args.clients} clients: {out['per_second']} requests/s, "
        f"p50 {out['p50_ms']} ms; flame graph {out['flame_graph']}"
    )
    print(f"{'own %':>6} {'total %':>8}  function (file:line)")
    for row in out["top"]:
        print(f"{row['own_pct']:>6} {row['total_pct']:>8}  {row['function']}")
    write_results(f"profile-{args.scenario}.json", [out], **vars(args))


if __name__ == "__main__":
    main()
