"""The broker: the graph model's rules, the Neo4j driver boundary, schema and local Neo4j.

The only package that talks to Neo4j. Import the submodule you need (`graph.pipeline.ingest`,
`graph.store.context`, ...); importing `graph` itself stays cheap.
"""
