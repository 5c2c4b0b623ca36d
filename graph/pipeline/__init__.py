"""The write pipeline: validate, enrich, store, group commit.

May import: graph.store and the layers below it."""
