"""The domain: records, validation and pure rules, no I/O.

May import: nothing else in graph/."""
