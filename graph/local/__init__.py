"""Local and development tooling, never used by the runtime layers: Neo4j from Maven Central,
Neo4j Browser, a throw-away Redis, the demo dataset.

May import: any of graph/."""
