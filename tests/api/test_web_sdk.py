"""The TypeScript SDK (connectors/clients/web-sdk): its own `npm test` (unit tests, then
integration tests against this real server with auth on), and in headless Chromium a page that
goes offline, queues three messages, reloads, comes back online and flushes them exactly once
and in order."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route

from graph.compliance.credentials import issue_user_token
from graph.config import Settings
from graph.domain.callers import CallerRole
from tests.helpers.browser import launched_browser
from tests.helpers.fake_platforms import wait_until
from tests.helpers.server import data_of, graphql_as, make_key, serve

pytestmark = pytest.mark.integration

SDK = Path(__file__).resolve().parents[2] / "connectors" / "clients" / "web-sdk"


def npm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    found = shutil.which("npm")
    assert found is not None, "npm (Node 20) is needed for the SDK tests"
    return subprocess.run(
        [found, *args],
        cwd=SDK,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def sdk_built() -> Path:
    """node_modules from the lock file (`make test` installs them; else here), then the build."""
    if not (SDK / "node_modules" / ".package-lock.json").exists():
        installed = npm("ci", "--no-audit", "--no-fund")
        assert installed.returncode == 0, installed.stderr
    built = npm("run", "build")
    assert built.returncode == 0, built.stdout + built.stderr
    bundle = SDK / "dist" / "threadline.browser.js"
    assert bundle.exists()
    return bundle


def test_npm_test_against_the_real_server(
    sdk_built: Path, secure_server: str, secure_settings: Settings
) -> None:
    env = {
        "THREADLINE_URL": f"{secure_server}/graphql",
        # the page's backend: a connector key granted issueUserToken for its channel
        "THREADLINE_WEB_KEY": make_key(
            secure_settings, CallerRole.CONNECTOR, ["web"], issue_user_tokens=True
        )[1],
        "THREADLINE_MOBILE_KEY": make_key(
            secure_settings, CallerRole.CONNECTOR, ["mobile"], issue_user_tokens=True
        )[1],
        "THREADLINE_AGENT_KEY": make_key(secure_settings, CallerRole.AGENT)[1],
    }
    result = npm("test", env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert re.search(r"^# fail 0$", output, re.M), output[-3000:]
    assert re.search(r"^# skipped 0$", output, re.M), output[-3000:]  # integration tests ran
    assert int(re.findall(r"^# pass (\d+)$", output, re.M)[-1]) >= 10


def test_npm_pack_ships_the_modules_types_bundle_and_operations(sdk_built: Path) -> None:
    packed = npm("pack", "--dry-run", "--json")
    assert packed.returncode == 0, packed.stderr
    files = {f["path"] for f in json.loads(packed.stdout)[0]["files"]}
    expected = {"dist/index.js", "dist/index.d.ts", "dist/node.js", "dist/node.d.ts"}
    assert expected | {"dist/threadline.browser.js", "README.md", "package.json"} <= files
    assert {f"operations/{p.name}" for p in (SDK / "operations").glob("*.graphql")} <= files
    assert not any(f.startswith(("src/", "test/", "build-test/", "node_modules/")) for f in files)


PAGE = """<!doctype html><meta charset="utf-8"><title>SDK</title>
<script type="module">
  import { createClient } from "/sdk-test/threadline.browser.js";
  const params = new URLSearchParams(location.search);
  window.client = createClient({
    url: location.origin + "/graphql", channel: "web",
    externalUserId: params.get("u"), token: params.get("t"),
  });
  window.sdkReady = true;
</script>"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_browser()


def serve_page(page: Page, bundle: Path) -> None:
    """The test page and the bundle, answered by Playwright on the server's own origin (so the
    page loads while the browser is offline, as a cached or installed app would)."""

    def answer(route: Route) -> None:
        if route.request.url.split("?")[0].endswith("/threadline.browser.js"):
            route.fulfill(body=bundle.read_text(), content_type="text/javascript")
        else:
            route.fulfill(body=PAGE, content_type="text/html")

    page.route("**/sdk-test/**", answer)


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.sdkReady === true")


def test_offline_page_queues_reloads_and_flushes_once_in_order(
    browser: Browser, sdk_built: Path, secure_server: str, secure_settings: Settings
) -> None:
    person = f"browser-{uuid.uuid4().hex[:10]}"
    token = issue_user_token(secure_settings, "web", person, 600, "test").token
    context = browser.new_context()
    page = context.new_page()
    serve_page(page, sdk_built)
    url = f"{secure_server}/sdk-test/page.html?u={person}&t={token}"
    open_page(page, url)

    context.set_offline(True)
    results: list[dict[str, Any]] = [
        page.evaluate("text => window.client.send(text)", text)
        for text in ("first, offline", "second, offline", "third, offline")
    ]
    assert [r["status"] for r in results] == ["pending"] * 3
    queued = page.evaluate("window.client.pending()")
    assert [q["text"] for q in queued] == ["first, offline", "second, offline", "third, offline"]

    page.reload()  # still offline: the queue is in IndexedDB, not in the page
    page.wait_for_function("window.sdkReady === true")
    assert len(page.evaluate("window.client.pending()")) == 3

    context.set_offline(False)  # the `online` event flushes the outbox
    wait_until(lambda: page.evaluate("window.client.pending()") == [], timeout=20)

    agent = make_key(secure_settings, CallerRole.AGENT)[1]
    query = 'query($u: String!) { context(channel: "web", externalUserId: $u) '
    query += "{ messages { text at eventId } } }"
    messages = data_of(graphql_as(secure_server, agent, query, u=person))["context"]["messages"]
    assert [m["text"] for m in messages] == [q["text"] for q in queued]  # once each, in order
    assert [m["eventId"] for m in messages] == [q["eventId"] for q in queued]
    stored = [m["at"].replace("+00:00", "Z") for m in messages]
    written = [q["occurredAt"] for q in queued]
    assert [s[:19] for s in stored] == [w[:19] for w in written]  # when written, not flushed
    context.close()


def readme_page() -> str:
    """The README's "From a web page" snippet, as a page."""
    readme = (SDK.parents[2] / "README.md").read_text()
    section = readme.split("## From a web page", 1)[1].split("\n## ", 1)[0]
    [snippet] = re.findall(r"```html\n(.*?)```", section, re.DOTALL)
    return f'<!doctype html><meta charset="utf-8">{snippet}'


def test_two_tabs_sending_at_once_lose_and_double_nothing(
    browser: Browser, sdk_built: Path, secure_server: str, secure_settings: Settings
) -> None:
    """Two tabs of one site share the outbox (IndexedDB): a Web Lock orders their changes, so a
    message added in one is not overwritten by the other removing a sent one."""
    person = f"tabs-{uuid.uuid4().hex[:10]}"
    token = issue_user_token(secure_settings, "web", person, 600, "test").token
    context = browser.new_context()
    tabs = [context.new_page(), context.new_page()]
    for tab in tabs:
        serve_page(tab, sdk_built)
        open_page(tab, f"{secure_server}/sdk-test/page.html?u={person}&t={token}")
    start = """([tab, count]) => {
      window.done = Promise.all(Array.from({ length: count }, (_, i) =>
        window.client.send(`${tab}-${i}`)));
    }"""
    for index, tab in enumerate(tabs):
        tab.evaluate(start, [f"tab{index}", 8])
    results = [tab.evaluate("window.done") for tab in tabs]
    assert all(r["status"] == "sent" for tab_results in results for r in tab_results), results
    wait_until(lambda: all(tab.evaluate("window.client.pending()") == [] for tab in tabs))
    agent = make_key(secure_settings, CallerRole.AGENT)[1]
    query = 'query($u: String!) { context(channel: "web", externalUserId: $u, lastMessages: 50) '
    query += "{ messages { text } } }"
    stored = data_of(graphql_as(secure_server, agent, query, u=person))["context"]
    texts = [m["text"] for m in stored["messages"]]
    assert sorted(texts) == sorted(f"tab{t}-{i}" for t in range(2) for i in range(8))
    for t in range(2):  # each tab's messages in the order it sent them
        mine = [x for x in texts if x.startswith(f"tab{t}-")]
        assert mine == [f"tab{t}-{i}" for i in range(8)]
    context.close()


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        return


@contextmanager
def static_site() -> Iterator[tuple[str, Path]]:
    """A plain web server for a folder on its own loopback port: (the page's origin, folder)."""
    folder = Path(tempfile.mkdtemp(prefix="threadline-page-"))
    handler = functools.partial(QuietFiles, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", folder
    finally:
        httpd.shutdown()
        httpd.server_close()
        shutil.rmtree(folder, ignore_errors=True)


def test_the_readme_snippet_runs_in_a_browser(
    browser: Browser, sdk_built: Path, secure_settings: Settings
) -> None:
    """The snippet as written, on a page of another origin (allowed by THREADLINE_CORS_ORIGINS),
    its user token from the page's own backend (here a file)."""
    visitor = f"readme-{uuid.uuid4().hex[:10]}"
    token = issue_user_token(secure_settings, "web", visitor, 600, "test").token
    agent = make_key(secure_settings, CallerRole.AGENT)[1]
    with static_site() as (site, folder):
        allowed = secure_settings.model_copy(update={"cors_origins": site})
        with serve(allowed, dev=False) as server:
            page = (
                readme_page()
                .replace("http://127.0.0.1:8000", server)
                .replace('"visitor-42"', f'"{visitor}"')
                .replace("console.log(event.kind, event.text)", "(window.seen ??= []).push(event)")
                .replace("</script>", "window.subscribed = true;\n</script>")
            )
            (folder / "index.html").write_text(page)
            (folder / "threadline.browser.js").write_text(sdk_built.read_text())
            (folder / "threadline-token").write_text(token)
            tab = browser.new_page()
            tab.goto(f"{site}/index.html")
            tab.wait_for_function("window.subscribed === true", timeout=20_000)

            def graphql(query: str, **variables: Any) -> dict[str, Any]:
                return graphql_as(server, agent, query, **variables)

            context = graphql(
                'query($u: String!) { context(channel: "web", externalUserId: $u) '
                "{ session { id } messages { text } } }",
                u=visitor,
            )["data"]["context"]
            assert [m["text"] for m in context["messages"]] == ["Hi! Where is my order A-1042?"]
            reply = {"eventId": uuid.uuid4().hex, "channel": "web", "externalUserId": visitor}
            reply |= {"role": "AGENT", "sessionId": context["session"]["id"]}
            graphql(
                "mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }",
                e=[reply | {"text": "It left the warehouse today"}],
            )
            wait_until(
                lambda: (
                    "It left the warehouse today"
                    in tab.evaluate("(window.seen || []).map(e => e.text)")
                ),
                timeout=20,
            )
            tab.close()
