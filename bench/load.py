"""Load shapes for the benchmarks: a closed loop (each client sends its next request when the
last is answered) and an open loop (requests started on a schedule, latency counted from it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Call = Callable[[int], Awaitable[None]]  # one request of a scenario, given its number


@dataclass
class Latencies:
    seconds: list[float]
    elapsed: float

    def row(self, name: str, clients: int) -> dict[str, Any]:
        ordered = sorted(self.seconds)

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

        return {
            "scenario": name,
            "clients": clients,
            "requests": len(ordered),
            "per_second": round(len(ordered) / self.elapsed, 1),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
        }


async def closed_loop(clients: int, duration: float, call: Call) -> Latencies:
    """`clients` concurrent loops calling `call(i)` back to back for `duration` seconds."""
    samples: list[float] = []
    stop = time.perf_counter() + duration

    async def loop(worker: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            start = time.perf_counter()
            await call(worker * 1_000_000 + n)
            samples.append(time.perf_counter() - start)
            n += 1

    began = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(clients)))
    return Latencies(samples, time.perf_counter() - began)


async def open_loop(clients: int, rate: float, duration: float, call: Call) -> Latencies:
    """Requests started on a fixed schedule (`rate` per second) by at most `clients` at a time.

    Each latency runs from the request's scheduled start, so time spent waiting for a free client
    (the server falling behind) counts too: no coordinated omission."""
    samples: list[float] = []
    free = asyncio.Semaphore(clients)
    began = time.perf_counter()
    total = int(rate * duration)

    async def one(n: int, due: float) -> None:
        async with free:
            await call(n)
        samples.append(time.perf_counter() - due)

    tasks = []
    for n in range(total):
        due = began + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    return Latencies(samples, time.perf_counter() - began)
