"""Security and compliance: API keys and JWTs, audit, pseudonyms, erasure, export.

May import: graph.pipeline and the layers below it."""
