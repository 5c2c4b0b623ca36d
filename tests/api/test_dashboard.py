"""The dashboard in a real browser (headless Chromium driven by Playwright): the demo data's
numbers appear in the charts and a session's timeline shows its cross-channel story.
Screenshots are saved under test-artifacts/ (THREADLINE_TEST_ARTIFACTS)."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from neo4j import Driver
from playwright.sync_api import Browser, Page

from enrichment.pipeline import Enricher
from graph.analytics.named import run_analytic
from graph.compliance.credentials import revoke_key
from graph.config import Settings
from graph.domain.callers import CallerRole
from graph.local.demo import load_demo
from graph.store.database import Database
from tests.helpers.browser import launched_browser
from tests.helpers.server import make_key, serve

pytestmark = pytest.mark.integration

T = TypeVar("T")
ARTIFACTS = Path(os.environ.get("THREADLINE_TEST_ARTIFACTS", "test-artifacts"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_browser()


@pytest.fixture(scope="module")
def demo(settings: Settings, rules_enricher: Enricher) -> str:
    """Load a demo dataset of its own; returns its event id prefix."""
    seed = random.randrange(10**6)

    async def load() -> None:
        db = Database.from_settings(settings)
        try:
            await load_demo(db, rules_enricher, users=30, seed=seed)
        finally:
            await db.close()

    run_async(load)
    return f"demo-{seed}-30-"


def run_async(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Playwright's sync API owns this thread's event loop: run async work on another thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(work())).result()


def analytic(
    settings: Settings, name: str, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        db = Database.from_settings(settings)
        try:
            return (await run_analytic(db, name, {"since": since, "until": until})).as_dicts()
        finally:
            await db.close()

    return run_async(run)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_overview_charts_show_the_analytics(
    browser: Browser, live_server: str, settings: Settings, demo: str
) -> None:
    today = datetime.now(UTC).date()
    since_day, until_day = today - timedelta(days=30), today
    since = datetime.combine(since_day, time(), UTC)
    until = datetime.combine(until_day + timedelta(days=1), time(), UTC)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/dashboard?since={since_day}&until={until_day}")
    shot(page, "dashboard-overview")

    switch = analytic(settings, "channel_switch_rate", since, until)
    sessions = next(r for r in switch if r["kind"] == "sessions")
    assert page.get_by_test_id("kpi-sessions").inner_text() == f"{sessions['total']:,}"
    assert page.get_by_test_id("kpi-multichannel").inner_text() == f"{100 * sessions['rate']:.1f}%"
    web_mobile = next(
        r for r in switch if r["kind"] == "switch" and r["from"] == "web" and r["to"] == "mobile"
    )
    cell = page.locator('[data-testid="switch-matrix"] g.cell[data-label="web->mobile"]')
    assert cell.get_attribute("data-value") == str(web_mobile["count"])
    assert cell.text_content() == str(web_mobile["count"])

    repeat = next(
        r for r in analytic(settings, "repeat_rate", since, until) if r["entityType"] == "ALL"
    )
    assert page.get_by_test_id("kpi-repeat").inner_text() == f"{100 * repeat['rate']:.1f}%"

    length = {r["channel"]: r for r in analytic(settings, "session_length", since, until)}
    bars = page.locator('[data-testid="session-length"] g.bar')
    shown = {
        bars.nth(i).get_attribute("data-label"): bars.nth(i).get_attribute("data-value")
        for i in range(bars.count())
    }
    assert shown == {c: str(float(r["medianSeconds"])) for c, r in length.items()}

    sentiment = {
        r["channel"]: r["meanSentiment"]
        for r in analytic(settings, "sentiment_by_channel", since, until)
    }
    web_bar = page.locator('[data-testid="sentiment"] g.bar[data-label="web"]')
    assert float(web_bar.get_attribute("data-value") or "nan") == pytest.approx(sentiment["web"])
    for chart in ("abandonment", "fallback", "handoffs", "repeat-rate", "session-messages"):
        assert page.get_by_test_id(chart).count() == 1, chart
    page.close()


def demo_session(driver: Driver, prefix: str, where: str) -> str:
    records, _, _ = driver.execute_query(
        "MATCH (m:Message) WHERE m.eventId STARTS WITH $p "
        "WITH DISTINCT m.sessionId AS id MATCH (s:Session {id: id}) "
        f"WHERE {where} RETURN s.id AS id ORDER BY s.createdAt LIMIT 1",
        p=prefix,
    )
    assert records, where
    return str(records[0]["id"])


def test_session_timeline_tells_the_cross_channel_story(
    browser: Browser, live_server: str, driver: Driver, demo: str
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    switched = demo_session(driver, demo, "size(s.channels) > 1")
    page.goto(f"{live_server}/dashboard/sessions/{switched}")
    shot(page, "dashboard-session-switch")
    messages = page.get_by_test_id("message")
    assert messages.count() == int(page.get_by_test_id("message-count").inner_text())
    channels = {messages.nth(i).get_attribute("data-channel") for i in range(messages.count())}
    assert channels == {"web", "mobile"}
    assert page.locator('mark.entity[data-type="ORDER_ID"]').count() >= 1
    assert {messages.nth(i).get_attribute("data-role") for i in range(messages.count())} >= {
        "USER",
        "BOT",
    }
    assert page.locator("li.message.negative, li.message.positive").count() >= 1
    brief = [line.inner_text() for line in page.get_by_test_id("brief-line").all()]
    path = next(line for line in brief if line.startswith("Path: "))
    assert set(path.removeprefix("Path: ").split(" → ")) == {"web", "mobile"}

    escalated = demo_session(driver, demo, "EXISTS { (s)-[:HANDLED_BY]->() }")
    page.goto(f"{live_server}/dashboard/sessions/{escalated}")
    assert page.get_by_test_id("handoff").count() == 1
    assert "HUMAN" in page.get_by_test_id("handoff").inner_text()
    happened = page.get_by_test_id("brief").inner_text()
    assert "What happened:" in happened
    assert "handoff to" in happened
    shot(page, "dashboard-session-brief")

    returned = demo_session(driver, demo, "EXISTS { (s)-[:CONTINUES]->() }")
    page.goto(f"{live_server}/dashboard/sessions/{returned}")
    shot(page, "dashboard-session-continued")
    page.get_by_test_id("continues").click()
    assert page.get_by_test_id("transition").count() >= 1  # the expired one closed by its timers
    assert page.get_by_test_id("continued-by").count() == 1

    page.get_by_test_id("search-input").fill(switched)
    page.get_by_test_id("search-input").press("Enter")
    page.wait_for_url(f"**/dashboard/sessions/{switched}")
    page.close()


def test_dashboard_needs_an_analyst_or_admin(settings: Settings, live_server: str) -> None:
    with serve(settings, dev=False) as url:
        assert httpx.get(f"{url}/dashboard", follow_redirects=False).status_code == 303
        _, agent = make_key(settings, CallerRole.AGENT)
        _, analyst = make_key(settings, CallerRole.ANALYST)
        refused = httpx.get(f"{url}/dashboard", headers={"authorization": f"Bearer {agent}"})
        assert refused.status_code == 403
        with httpx.Client(base_url=url) as client:
            login = client.post("/dashboard/login", data={"token": analyst})
            assert login.status_code == 303
            assert "httponly" in login.headers["set-cookie"].lower()
            # a window with nothing in it: this checks access, not analytics over a big store
            empty = "/dashboard?since=2001-01-01&until=2001-01-02"
            assert client.get(empty).status_code == 200


def revoke(settings: Settings, key_id: str) -> None:
    async def run() -> None:
        db = Database.from_settings(settings)
        try:
            await revoke_key(db, key_id)
        finally:
            await db.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


EMPTY = "/dashboard?since=2001-01-01&until=2001-01-02"


def test_the_sign_in_cookie_is_a_session_never_the_key(settings: Settings) -> None:
    """#28: the cookie held the raw API key, without Secure. It now holds a session token that
    ends at sign-out and when the key is revoked; Secure whenever the public URL is https."""
    instant = settings.model_copy(update={"auth_cache_seconds": 0})
    with serve(instant, dev=False) as url:
        key_id, analyst = make_key(settings, CallerRole.ANALYST)
        with httpx.Client(base_url=url) as client:
            login = client.post("/dashboard/login", data={"token": analyst})
            cookie = login.headers["set-cookie"]
            session = client.cookies["threadline_session"]
            assert session.startswith("tld_")
            assert analyst not in cookie
            assert key_id not in session
            assert "secure" not in cookie.lower()  # plain http here, no https public URL
            assert client.get(EMPTY).status_code == 200
            client.post("/dashboard/logout")
        reused = httpx.get(
            f"{url}{EMPTY}", cookies={"threadline_session": session}, follow_redirects=False
        )
        assert reused.status_code == 303  # signed out: the old cookie opens nothing
        with httpx.Client(base_url=url) as client:
            client.post("/dashboard/login", data={"token": analyst})
            assert client.get(EMPTY).status_code == 200
            revoke(settings, key_id)
            after = client.get(EMPTY, follow_redirects=False)
            assert after.status_code == 303  # the key is revoked: so is its session
    behind_tls = settings.model_copy(update={"public_url": "https://threadline.example.com"})
    with serve(behind_tls, dev=False) as url:
        _, analyst = make_key(settings, CallerRole.ANALYST)
        login = httpx.post(f"{url}/dashboard/login", data={"token": analyst})
        assert "secure" in login.headers["set-cookie"].lower()
