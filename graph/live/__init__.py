"""Live events: the bus that subscribers listen on (in-process, or Redis between processes).

May import: graph.domain, graph.config."""
