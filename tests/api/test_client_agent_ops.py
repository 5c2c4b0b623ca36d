"""The Python client as an agent tool uses it, against the live API: messages from two
channels, brief, facts, attributes with compare-and-set, handoff, session search, a session's
timeline and live events; and it imports nothing of the server."""

from __future__ import annotations

import importlib
import os
import subprocess
import threading
import time
import venv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.clients.client import ThreadlineAPIError, ThreadlineClient
from connectors.clients.errors import RETRYABLE_CODES
from connectors.clients.results import LiveEvent
from graph.domain.errors import ErrorCode

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SERVER_PACKAGES = (
    "graph",
    "api",
    "enrichment",
    "cypher",
    "neo4j",
    "strawberry",
    "starlette",
    "uvicorn",
    "spacy",
    "pydantic",
    "pydantic_settings",
    "redis",
    "jwt",
    "prometheus_client",
)
IMPORT_ALONE = f"""
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {SERVER_PACKAGES!r}:
            raise ImportError("the client imported a server package: " + name)
        return None
sys.meta_path.insert(0, Refuse())
from connectors.clients.client import ThreadlineClient, EventInput, Brief, Fact
client = ThreadlineClient("http://127.0.0.1:9")
event = EventInput("e-1", "web", "cookie-1", text="hi")
print("ok", type(client).__name__, event.role)
"""


# what the client itself needs, copied into a bare venv: httpx and its own dependencies
CLIENT_MODULES = ("httpx", "httpcore", "h11", "anyio", "idna", "sniffio", "certifi")


def bare_venv_with_httpx(tmp_path: Path) -> tuple[Path, Path]:
    """A venv with no packages (not even pip), and a folder holding only httpx and what httpx
    needs: where an SDK user's `pip install 'threadline[client]'` leaves them."""
    venv.EnvBuilder(with_pip=False).create(tmp_path / "venv")
    site = tmp_path / "site"
    site.mkdir()
    for name in (*CLIENT_MODULES, "typing_extensions"):
        module = importlib.import_module(name)
        source = Path(module.__file__ or "")
        source = source.parent if source.name == "__init__.py" else source
        (site / source.name).symlink_to(source)
    return tmp_path / "venv" / "bin" / "python", site


def test_the_client_imports_in_a_venv_without_the_server(tmp_path: Path) -> None:
    python, site = bare_venv_with_httpx(tmp_path)
    done = subprocess.run(
        [str(python), "-c", IMPORT_ALONE],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok ThreadlineClient USER"


def test_the_clients_retryable_codes_are_the_servers() -> None:
    assert frozenset(code.value for code in ErrorCode if code.retryable) == RETRYABLE_CODES


def test_agent_operations_round_trip(live_server: str, uid: str) -> None:
    with ThreadlineClient(live_server) as client:
        order = f"A-{int(uid[:6], 16) % 10**6:06d}"
        text = f"Hi, where is my order {order}? My email is jo.{uid}@example.com"
        first = client.add_message("web", f"w-{uid}", text)
        again = client.add_message("web", f"w-{uid}", "dup", event_id=first.event_id)
        assert again.duplicate is True
        assert first.event_id.startswith("tl-")
        session = first.session_id
        context = client.context(session_id=session)
        user = context["user"]["id"]
        client.add_message(
            "sms", f"+1555{uid[:7]}", "can you send it to my office?", session_id=session
        )
        client.add_message("web", f"w-{uid}", "Please check the tracking link.", role="BOT")

        brief = client.brief(session_id=session, max_chars=500)
        assert brief.issue is not None
        assert brief.issue.intent == "order_status"
        assert brief.issue.message.seq == 1
        assert brief.channel_path == ["web", "sms", "web"]
        assert [t.seq for t in brief.steps_taken] == [3]
        assert brief.text.startswith("Issue: order_status")

        [email] = client.facts(user, types=["EMAIL"])
        assert email.value == f"jo.{uid}@example.com"
        assert email.source.kind == "MESSAGE"
        assert email.source.seq == 1

        written = client.set_session_attributes(session, {"step": "shipping"}, channel="web")
        assert written.attributes == {"step": "shipping"}
        with pytest.raises(ThreadlineAPIError) as conflict:
            client.set_session_attributes(session, {"step": "x"}, expected_version=0)
        assert conflict.value.code == "CONFLICT"
        assert client.set_user_attributes(user, {"tier": "gold"}).attributes == {"tier": "gold"}

        client.upsert_agent(f"ann-{uid}", "HUMAN", "Ann")
        handed = client.handoff(session, f"ann-{uid}", "customer asked for a human")
        assert handed.handler_id == f"ann-{uid}"

        found = client.search_sessions(entity=f"order {order}")
        assert [s.id for s in found] == [session]
        assert (
            client.search_sessions(channel="sms", external_user_id=f"+1555{uid[:7]}")[0].id
            == session
        )

        info, turns = client.session(session, last=2)
        assert info.status == "ACTIVE"
        assert info.attributes == {"step": "shipping"}
        assert [t.seq for t in turns] == [2, 3]
        with pytest.raises(ThreadlineAPIError) as missing:
            client.session(f"ses_nope{uid}")
        assert missing.value.code == "NOT_FOUND"


def test_subscribe_yields_live_events_with_the_brief_on_handoff(live_server: str, uid: str) -> None:
    with ThreadlineClient(live_server) as client:
        session = client.add_message(
            "web", f"s-{uid}", "My parcel never came, where is it?"
        ).session_id
        client.upsert_agent(f"bob-{uid}", "HUMAN")
        seen: list[LiveEvent] = []

        def watch() -> None:
            for event in client.subscribe(session_id=session):
                seen.append(event)
                if event.kind == "HANDOFF":
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        # the subscription is live once a message sent after it arrives (no fixed sleep)
        deadline = time.monotonic() + 15
        sent = 0
        while not seen and time.monotonic() < deadline:
            sent += 1
            client.add_message("web", f"s-{uid}", f"hello? {sent}")
            time.sleep(0.2)
        client.handoff(session, f"bob-{uid}", "no answer from the bot")
        watcher.join(timeout=15)
    kinds = [e.kind for e in seen]
    assert kinds[-1] == "HANDOFF"
    assert set(kinds[:-1]) == {"MESSAGE"}
    assert (seen[0].text or "").startswith("hello?")
    seen = [seen[0], seen[-1]]
    assert seen[1].agent_id == f"bob-{uid}"
    assert seen[1].brief is not None
    assert "Open questions:" in seen[1].brief.text


def test_a_backend_issues_user_tokens_for_its_pages(live_server: str, uid: str) -> None:
    with ThreadlineClient(live_server) as backend:  # dev mode: the local admin
        issued = backend.issue_user_token("web", f"page-{uid}", ttl_seconds=120)
    assert (issued.channel, issued.external_user_id) == ("web", f"page-{uid}")
    assert 0 < (issued.expires_at - datetime.now(UTC)).total_seconds() <= 120
    with ThreadlineClient(live_server, token=issued.token) as page:
        sent = page.add_message("web", f"page-{uid}", "hello from the page")
        assert sent.session_id.startswith("ses_")
        with pytest.raises(ThreadlineAPIError) as refused:
            page.add_message("web", f"someone-else-{uid}", "not me")
    assert refused.value.code == "FORBIDDEN"
