"""A real Neo4j Community server resolved from Maven Central and run on the local JDK.

No Docker needed: `graph/local/pom.xml` lists the server jars, Maven copies them into a cache
folder once, and `LocalNeo4j` starts `org.neo4j.server.CommunityEntryPoint` with its own config,
Bolt on a free loopback port, HTTP off (on, serving Neo4j Browser, with `browser=True`) and auth
off, then waits until the driver connects.

Longer than ~300 lines on purpose: resolving the jars, finding a JDK, writing the config,
starting, waiting and stopping are one server's life, tested together.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import DriverError, Neo4jError

from graph.config import Settings
from graph.domain.errors import Neo4jUnavailableError
from graph.local.jar_lock import LOCKS, verify_jars
from graph.local.neo4j_browser import install_browser

POM = Path(__file__).resolve().parent / "pom.xml"
ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
SUPPORTED_JAVA = (17, 21)
# Module opens Neo4j 5 needs on JDK 17+; without them it fails reflecting into java.nio.
JVM_FLAGS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dfile.encoding=UTF-8",
    # the JVM settings Neo4j's own neo4j.conf ships with (server.jvm.additional): touch the
    # whole heap at start (no page faults on first use under load), no System.gc() from
    # libraries, final fields trusted by the JIT, bounded NIO buffer cache
    "-XX:+UseG1GC",
    "-XX:+AlwaysPreTouch",
    "-XX:+DisableExplicitGC",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:-OmitStackTraceInFastThrow",
    "-Djdk.nio.maxCachedBufferSize=1024",
)
STATE_FILE = "server.json"


def _java_major(java: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(java), "-XshowSettings:properties", "-version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stderr
    except OSError:
        return None
    match = re.search(r"java\.specification\.version = (\d+)", out)
    return int(match.group(1)) if match else None


def find_java() -> Path:
    """A `java` of a version Neo4j 5.26 runs on (17 or 21), preferring JAVA_HOME, then PATH."""
    candidates: list[Path] = []
    for var in ("THREADLINE_JAVA_HOME", "JAVA_HOME"):
        if home := os.environ.get(var):
            candidates.append(Path(home) / "bin" / "java")
    if on_path := shutil.which("java"):
        candidates.append(Path(on_path))
    candidates += sorted(Path("/usr/lib/jvm").glob("*/bin/java"))
    seen: dict[Path, int | None] = {}
    for java in candidates:
        if java.is_file() and java not in seen:
            seen[java] = major = _java_major(java)
            if major in SUPPORTED_JAVA:
                return java
    found = ", ".join(f"{path} ({major})" for path, major in seen.items()) or "none"
    raise Neo4jUnavailableError(
        f"Neo4j 5.26 needs Java 17 or 21; found: {found}. Install a JDK 17, set JAVA_HOME, "
        "or point NEO4J_URI at a running server."
    )


def install(settings: Settings) -> Path:
    """Resolve the server jars into `<cache>/neo4j-<version>/lib` once (safe in parallel)."""
    home = settings.cache_dir / f"neo4j-{settings.neo4j_version}"
    lib = home / "lib"
    if (home / ".complete").exists():
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jUnavailableError(
            "Maven (mvn) is needed to fetch Neo4j from Maven Central; install it, or set NEO4J_URI."
        )
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (home / ".complete").exists():
            return lib
        staging = home / "lib.partial"
        shutil.rmtree(staging, ignore_errors=True)
        result = subprocess.run(
            [
                mvn,
                "-q",
                "-B",
                "-C",  # strict checksums: a jar that does not match the repository's fails
                "-f",
                str(POM),
                f"-Dneo4j.version={settings.neo4j_version}",
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={staging}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tail = (result.stdout + result.stderr)[-3000:]
            raise Neo4jUnavailableError(
                f"mvn could not resolve Neo4j {settings.neo4j_version}:\n{tail}"
            )
        verify_jars(staging, LOCKS / f"neo4j-{settings.neo4j_version}.sha256")
        shutil.rmtree(lib, ignore_errors=True)
        staging.rename(lib)
        (home / ".complete").write_text(settings.neo4j_version)
    return lib


def free_port(preferred: int | None = None) -> int:
    """`preferred` when it is free on 127.0.0.1, else any free port."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as sock:
            # like the server will: a port whose old connections linger in TIME_WAIT is free
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise Neo4jUnavailableError("no free TCP port on 127.0.0.1")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)  # reap our own exited child so it does not look alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class LocalNeo4j:
    """One local server whose config, data and logs live under `home`.

    >>> server = LocalNeo4j(Path(".threadline/neo4j"), Settings())
    >>> uri = server.start()   # bolt://127.0.0.1:<port>
    >>> server.stop()
    """

    home: Path
    settings: Settings
    browser: bool = False  # serve Neo4j Browser on an HTTP connector (loopback only)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "console.log"

    def state(self) -> dict[str, int | str] | None:
        """The pid/port/uri of the server last started here, if it is still running."""
        try:
            state: dict[str, int | str] = json.loads((self.home / STATE_FILE).read_text())
        except (OSError, ValueError):
            return None
        return state if _pid_alive(int(state["pid"])) else None

    def _write_config(self, port: int, http_port: int | None) -> Path:
        conf = self.home / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        for folder in ("data", "logs", "run", "import"):
            (self.home / folder).mkdir(exist_ok=True)
        lines = [
            "dbms.security.auth_enabled=false",
            f"server.bolt.listen_address=127.0.0.1:{port}",
            "server.bolt.advertised_address=127.0.0.1",
            f"server.http.enabled={'true' if http_port else 'false'}",
            f"server.http.listen_address=127.0.0.1:{http_port or 7474}",
            "server.https.enabled=false",
            f"server.memory.pagecache.size={self.settings.neo4j_pagecache}",
            f"server.directories.data={self.home / 'data'}",
            f"server.directories.logs={self.home / 'logs'}",
            f"server.directories.run={self.home / 'run'}",
            "dbms.usage_report.enabled=false",
            # LOAD CSV may read only an empty folder of the server's own, never file:/// URLs
            # (ad-hoc Cypher refuses LOAD CSV anyway; this holds for every other client too)
            f"server.directories.import={self.home / 'import'}",
            "dbms.security.allow_csv_import_from_file_urls=false",
            # Transaction logs only as long as recovery needs them (erased data must not stay on
            # disk): a log file goes at the first checkpoint after it rotated.
            "db.tx_log.rotation.retention_policy=keep_none",
            f"db.tx_log.rotation.size={self.settings.neo4j_tx_log_rotation_size}",
            f"db.checkpoint.interval.time={self.settings.neo4j_checkpoint_interval}",
            # Keep-alive NOOPs only while streaming: with ALL (the default) the server also hints
            # `connection.recv_timeout_seconds`, and the async Python driver then arms a timer
            # task for every socket read (~0.25 ms of CPU per query on loopback).
            "server.bolt.connection_keep_alive_for_requests=STREAMING",
            # Re-plan a query for changed statistics at most every 5 minutes (default 10 s).
            # Planning our larger statements takes 50-550 ms and happens inside the query that
            # finds its plan stale; on a young, fast-growing store that was every 10 s per query,
            # stalling the single ingest writer for up to ~0.6 s. The plans are index-backed
            # whatever the statistics (tested with EXPLAIN), so fresher ones gain little.
            "dbms.cypher.min_replan_interval=5m",
        ]
        (conf / "neo4j.conf").write_text("\n".join(lines) + "\n")
        return conf

    def start(self) -> str:
        """Start (or find already running) and return its Bolt URI once it answers."""
        if running := self.state():
            return str(running["uri"])
        lib = install(self.settings)
        classpath = f"{lib}/*"
        http_port = None
        if self.browser:
            classpath += f":{install_browser(self.settings)}"
            http_port = free_port()
        java = find_java()
        previous = self._previous_port()
        port = free_port(previous)
        conf = self._write_config(port, http_port)
        heap = self.settings.neo4j_heap
        command = [
            str(java),
            f"-Xms{heap}",
            f"-Xmx{heap}",
            *JVM_FLAGS,
            "-cp",
            classpath,
            ENTRY_POINT,
            f"--home-dir={self.home}",
            f"--config-dir={conf}",
            "--console-mode",
        ]
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._process = process
        uri = f"bolt://127.0.0.1:{port}"
        browser_url = f"http://127.0.0.1:{http_port}/browser/" if http_port else ""
        (self.home / STATE_FILE).write_text(
            json.dumps({"pid": process.pid, "port": port, "uri": uri, "browser": browser_url})
        )
        try:
            self._wait_ready(uri, process)
            if http_port:
                self._wait_http(http_port, process)
        except BaseException:
            self.stop()
            raise
        return uri

    def _previous_port(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, KeyError):
            return int(json.loads((self.home / STATE_FILE).read_text())["port"])
        return None

    def _wait_ready(self, uri: str, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.settings.neo4j_start_timeout
        with GraphDatabase.driver(uri, connection_timeout=2) as driver:
            while True:
                if process.poll() is not None:
                    raise Neo4jUnavailableError(
                        f"Neo4j exited with code {process.returncode}:\n{self.log_tail()}"
                    )
                try:
                    driver.verify_connectivity()
                    return
                except (DriverError, Neo4jError, OSError):
                    if time.monotonic() > deadline:
                        raise Neo4jUnavailableError(
                            f"Neo4j did not answer on {uri} within "
                            f"{self.settings.neo4j_start_timeout:.0f}s:\n{self.log_tail()}"
                        ) from None
                    time.sleep(0.25)

    def _wait_http(self, port: int, process: subprocess.Popen[bytes]) -> None:
        """The HTTP connector (Neo4j Browser) may open after Bolt: wait until it accepts."""
        deadline = time.monotonic() + self.settings.neo4j_start_timeout
        while True:
            with socket.socket() as probe:
                probe.settimeout(1)
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return
            if process.poll() is not None or time.monotonic() > deadline:
                raise Neo4jUnavailableError(f"Neo4j Browser did not open:\n{self.log_tail()}")
            time.sleep(0.25)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the server cleanly (SIGTERM, then SIGKILL after `timeout`); False if none ran."""
        state = self.state()
        if state is None:
            return False
        pid = int(state["pid"])
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while _pid_alive(pid):
                time.sleep(0.05)
        if self._process is not None and self._process.pid == pid:
            self._process.wait()
            self._process = None
        self._write_stopped(state)
        return True

    def _write_stopped(self, state: dict[str, int | str]) -> None:
        # Keep the port so the next start reuses it and eval'd NEO4J_URIs stay valid.
        (self.home / STATE_FILE).write_text(
            json.dumps({"pid": 0, "port": state["port"], "uri": ""})
        )
