"""Analytics: named Cypher analytics and guarded ad-hoc read-only Cypher.

May import: graph.compliance and the layers below it."""
