"""`GET /`: what lives where — a small HTML page for a browser, JSON for everything else.

No authentication: it holds no data, only the paths of the service's endpoints.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

INDEX = {
    "service": "threadline",
    "graphql": "/graphql",  # POST queries; in a browser (dev mode), GraphiQL
    "dashboard": "/dashboard",
    "health": "/healthz",
    "ready": "/readyz",
    "metrics": "/metrics",
}

_LINKS = (
    ("graphql", "GraphQL API", "POST queries here; in dev mode a browser gets GraphiQL"),
    ("dashboard", "Dashboard", "sessions, channels and handoffs (sign in with an API key)"),
    ("health", "Health", "the process is up"),
    ("ready", "Readiness", "Neo4j answers and the schema is applied"),
    ("metrics", "Metrics", "Prometheus"),
)

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Threadline</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}}
dt{{margin-top:.8rem;font-weight:600}}dd{{margin:0;color:#555}}</style></head>
<body>
<h1>Threadline</h1>
<p>One conversation memory across every channel.</p>
<dl>
{links}
</dl>
<p>Documentation: <code>README.md</code> and <code>docs/</code> in the repository
(<code>docs/api.md</code> for the API); the schema: <code>threadline schema</code>.</p>
</body>
</html>
"""


def _wants_html(request: Request) -> bool:
    """A browser: `text/html` is accepted ahead of JSON (curl and clients send */* or JSON)."""
    accept = request.headers.get("accept", "")
    ranked = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    html = ranked.index("text/html") if "text/html" in ranked else None
    json = ranked.index("application/json") if "application/json" in ranked else None
    return html is not None and (json is None or html < json)


def render_page() -> str:
    links = "\n".join(
        f'<dt><a href="{escape(INDEX[key])}">{escape(title)}</a> <code>{escape(INDEX[key])}'
        f"</code></dt><dd>{escape(about)}</dd>"
        for key, title, about in _LINKS
    )
    return _PAGE.format(links=links)


_HTML = render_page()


async def index(request: Request) -> Response:
    """What lives where, instead of a bare 404."""
    if _wants_html(request):
        return HTMLResponse(_HTML)
    return JSONResponse(INDEX)
