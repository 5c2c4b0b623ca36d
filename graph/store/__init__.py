"""The store: the Neo4j database handle, schema, named statements and the repositories.

May import: graph.domain, graph.config, graph.live."""
