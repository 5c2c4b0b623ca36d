"""Connectors, two kinds apart: `connectors.platforms` turns each platform's webhook into
Threadline events (server side, over `graph.domain`), `connectors.clients` talks to the API
from the agent's side over HTTP (Python client, MCP server, LangChain, the web SDK) and imports
no server package."""
