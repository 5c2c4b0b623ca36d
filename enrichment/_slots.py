"""Where the components keep their results on a Doc.

spaCy's `doc._.name` builds a helper object on every access, which costs more than the rule
components themselves at thousands of messages per second. Components write plain entries of
`doc.user_data` instead; `register` still exposes each as a read-only `doc._.name` for spaCy users.
`Doc.text` likewise rebuilds the string from the tokens on each access, so the text is kept once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.tokens import Doc

TEXT = "text"


def _key(name: str) -> str:
    return f"threadline.{name}"


def register(name: str) -> None:
    """Make `doc._.<name>` read the slot (idempotent)."""
    if not Doc.has_extension(name):
        Doc.set_extension(name, getter=lambda doc: doc.user_data.get(_key(name)))


def put(doc: Doc, name: str, value: Any) -> None:
    doc.user_data[_key(name)] = value


def get(doc: Doc, name: str) -> Any:
    return doc.user_data.get(_key(name))


def text_of(doc: Doc) -> str:
    text = doc.user_data.get(_key(TEXT))
    if text is None:
        text = doc.user_data[_key(TEXT)] = doc.text
    return str(text)


class DocComponent:
    """Base of the components: `pipe` maps `__call__` over a batch without spaCy's per-doc
    generator and error-handler wrapping (measurably cheaper at ~200 µs per message)."""

    def __call__(self, doc: Doc) -> Doc:  # pragma: no cover - implemented by subclasses
        raise NotImplementedError

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        return map(self, docs)
