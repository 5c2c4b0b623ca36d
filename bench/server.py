"""The API under test as its own process (`threadline serve`, one or several workers), and the
admin key the load generator authenticates with."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from graph.compliance.credentials import create_key
from graph.config import Settings
from graph.domain.callers import CallerRole
from graph.local.provision import Neo4jTarget
from graph.store.database import Database


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def api_pids(pid: int) -> list[int]:
    """The processes serving requests: the server itself, or its uvicorn workers."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = [
        int(child)
        for child in children
        if b"spawn" in Path(f"/proc/{child}/cmdline").read_bytes()  # not the resource tracker
    ]
    return workers or [pid]


def start_server(
    target: Neo4jTarget,
    port: int,
    model: str = "rules",
    workers: int = 1,
    live_url: str | None = None,
    embeddings: str = "off",
    tree: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """`threadline serve` on `port`; with `tree`, the API of that checkout (another commit's
    files, this environment's packages: bench/ab.py)."""
    user, password = target.auth or ("neo4j", "")
    env = {
        **os.environ,
        "NEO4J_URI": target.uri,
        "NEO4J_USER": user,
        "NEO4J_PASSWORD": password,
        "NEO4J_DATABASE": target.database,
        "THREADLINE_SPACY_MODEL": model,
        "THREADLINE_EMBEDDINGS": embeddings,
        "THREADLINE_LOG_LEVEL": "WARNING",
    }
    if live_url:
        env["THREADLINE_LIVE_URL"] = live_url
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    env |= extra_env or {}
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_ready(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(base_url=base) as http:
        while time.monotonic() < deadline:
            try:
                async with http.get("/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the API did not become ready")


def connect(target: Neo4jTarget, settings: Settings) -> Database:
    return Database.connect(target.uri, target.auth, target.database, settings)


async def admin_token(target: Neo4jTarget, settings: Settings) -> str:
    db = connect(target, settings)
    try:
        return (await create_key(db, CallerRole.ADMIN, name="bench")).token
    finally:
        await db.close()


async def admin_client(target: Neo4jTarget, settings: Settings, port: int) -> aiohttp.ClientSession:
    """A keep-alive client of the server on `port`, once it is ready, authenticated with a new
    admin key (measured with authentication on, as deployed)."""
    base = f"http://127.0.0.1:{port}"
    await wait_ready(base)
    token = await admin_token(target, settings)
    return aiohttp.ClientSession(
        base_url=base,
        connector=aiohttp.TCPConnector(limit=64),
        timeout=aiohttp.ClientTimeout(total=60),
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
    )
