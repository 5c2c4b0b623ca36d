"""`POST /graphql` with a plain JSON body answered without strawberry's HTTP view
(api/json_requests.py): the same answers as the view, and everything else left to the view."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from api.json_requests import plain_request

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "payload",
    [
        {"query": "{ __typename }"},
        {"query": "query Q($a: Int) { __typename }", "variables": {"a": 1}, "operationName": "Q"},
        {"query": "{ __typename }", "variables": None, "extensions": {"k": 1}},
    ],
)
def test_the_plain_shape_is_taken(payload: dict[str, Any]) -> None:
    assert plain_request(JSON, orjson.dumps(payload)) == payload
    charset = {"content-type": "application/json; charset=utf-8"}
    assert plain_request(charset, orjson.dumps(payload)) == payload


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"content-type": "multipart/form-data; boundary=x"}, b"--x--"),  # an upload
        ({}, b'{"query": "{ __typename }"}'),  # no content type
        (JSON | {"accept": "multipart/mixed"}, b'{"query": "{ __typename }"}'),  # streamed
        (JSON | {"accept": "text/event-stream"}, b'{"query": "{ __typename }"}'),
        (JSON, b'[{"query": "{ __typename }"}]'),  # a batch
        (JSON, b'{"query": '),  # not JSON: the view says so
        (JSON, b'{"query": 3}'),
        (JSON, b'{"query": "{ __typename }", "variables": [1]}'),
        (JSON, b'{"query": "{ __typename }", "operationName": 1}'),
        (JSON, b'{"query": "{ __typename }", "other": 1}'),
        (JSON, b'{"query": "{ a @defer { b } }"}'),
        (JSON, b'{"query": "{ a @stream { b } }"}'),
    ],
)
def test_everything_else_is_left_to_the_view(headers: dict[str, str], body: bytes) -> None:
    assert plain_request(headers, body) is None


@pytest.mark.integration
def test_the_json_path_answers_as_the_view_does(live_server: str) -> None:
    """GET goes through strawberry's view, POST JSON through the thin path: same answers."""
    url = f"{live_server}/graphql"

    def both(query: str, **extra: Any) -> tuple[httpx.Response, httpx.Response]:
        thin = httpx.post(url, json={"query": query, **extra}, timeout=30)
        view = httpx.get(url, params={"query": query, **extra}, timeout=30)
        return thin, view

    thin, view = both("{ __typename }")
    assert thin.status_code == view.status_code == 200
    assert thin.headers["content-type"] == view.headers["content-type"] == "application/json"
    assert thin.json() == view.json() == {"data": {"__typename": "Query"}}

    thin, view = both("{ nope }")
    assert thin.status_code == view.status_code == 200
    codes = [[e["extensions"]["code"] for e in r.json()["errors"]] for r in (thin, view)]
    assert codes[0] == codes[1] == ["BAD_INPUT"]  # a validation error, coded

    thin, view = both("query A { __typename }", operationName="B")
    assert thin.status_code == view.status_code == 400
    assert thin.text == view.text == 'Unknown operation named "B".'


@pytest.mark.integration
def test_a_batch_and_a_bad_body_still_get_the_views_answers(live_server: str) -> None:
    url = f"{live_server}/graphql"
    bad = httpx.post(url, content=b'{"query": ', headers=JSON, timeout=30)
    assert bad.status_code == 400
    assert bad.text == "Unable to parse request body as JSON"
    batch = httpx.post(url, json=[{"query": "{ __typename }"}], timeout=30)
    assert batch.status_code == 400
