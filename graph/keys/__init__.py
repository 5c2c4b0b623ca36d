"""Per-person envelope encryption: data keys wrapped by a master key held by a KMS, kept in a key
store outside Neo4j, destroyed on erasure (docs/security.md, Encryption at rest)."""
