"""CPU time per request of each process a scenario loads: the API (server and its workers), Neo4j
(the process listening on the Bolt port, when it runs on this machine) and the load generator.
On a shared 2-core machine this says where the time goes, which latency alone does not."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import psutil


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # a worker restarted: its time is lost, not an error
            continue
        total += times.user + times.system
    return total


def listening_process(uri: str) -> psutil.Process | None:
    """The local process accepting connections on the URI's port (None: remote, or not ours)."""
    port = urlsplit(uri).port
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return None
    for connection in connections:
        address = connection.laddr
        if connection.status == psutil.CONN_LISTEN and address and address.port == port:
            return psutil.Process(connection.pid) if connection.pid else None
    return None


@dataclass
class CpuMeter:
    api: psutil.Process  # the server; its worker processes are counted with it
    neo4j: psutil.Process | None

    def _groups(self) -> dict[str, list[psutil.Process]]:
        groups = {
            "api": [self.api, *self.api.children(recursive=True)],
            "client": [psutil.Process()],
        }
        if self.neo4j is not None:
            groups["neo4j"] = [self.neo4j]
        return groups

    def sample(self) -> dict[str, float]:
        return {name: _cpu_seconds(group) for name, group in self._groups().items()}

    def per_request(self, before: dict[str, float], requests: int) -> dict[str, float]:
        """CPU milliseconds per request of each group since `before`."""
        after = self.sample()
        return {
            f"cpu_ms_{name}": round((after[name] - before[name]) * 1000 / max(requests, 1), 3)
            for name in after
            if name in before
        }
