"""Memory recall: a question about a person's cross-channel history answered with the messages
that best match it. `service.recall` is the one entry point: `request` (what is asked, checked
once), `question` (the question through the same enrichment as every message), `search` (the
reads and the ranking of graph/domain/recall.py)."""
