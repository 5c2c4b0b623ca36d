"""GraphiQL works without the internet: its scripts come from this server (fetched from the npm
registry at install, pinned), so in a browser that can reach nothing else the page renders and
runs a query."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Route

from api import graphiql_assets
from tests.helpers.browser import launched_browser

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_browser()


def test_the_assets_were_fetched_at_install_and_match_their_pins() -> None:
    assert graphiql_assets.available(), "run `python -m api.graphiql_assets` (make install does)"


def test_the_page_points_at_this_server_not_the_cdn(live_server: str) -> None:
    page = httpx.get(f"{live_server}/graphql", headers={"accept": "text/html"}, timeout=10).text
    assert "unpkg.com" not in page
    for path in graphiql_assets.local_files():
        assert f"{graphiql_assets.MOUNT}/{path}" in page
        served = httpx.get(f"{live_server}{graphiql_assets.MOUNT}/{path}", timeout=10)
        assert served.status_code == 200
        assert served.content == (graphiql_assets.STATIC / path).read_bytes()


def test_graphiql_renders_and_runs_a_query_offline(live_server: str, browser: Browser) -> None:
    ours = urlparse(live_server).netloc
    blocked: list[str] = []

    def only_this_server(route: Route) -> None:
        if urlparse(route.request.url).netloc == ours:
            route.continue_()
        else:  # the internet is not there
            blocked.append(route.request.url)
            route.abort()

    context = browser.new_context()
    page = context.new_page()
    page.route("**/*", only_this_server)
    page.goto(f"{live_server}/graphql?q={quote('{ __typename }')}")
    page.wait_for_selector(".graphiql-container", timeout=20_000)
    page.click(".graphiql-execute-button")
    page.wait_for_function(
        "document.querySelector('.result-window')?.innerText.includes('Query')",
        timeout=20_000,
    )
    assert '"__typename"' in page.inner_text(".result-window")
    assert [url for url in blocked if "unpkg" in url] == []
    context.close()
