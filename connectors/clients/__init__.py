"""Agent-side clients of the GraphQL API: they speak HTTP only and import no server package
(an import contract). `from connectors.clients import ThreadlineClient`: everything the Python
client exports (`client.__all__`: the client, its inputs, errors and result records)."""

from connectors.clients.client import *  # noqa: F403
from connectors.clients.client import __all__ as __all__
