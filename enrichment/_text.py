"""`Doc.text` rebuilds the string from every token on each access; the components share one copy."""

from __future__ import annotations

from spacy.tokens import Doc

KEY = "threadline.text"


def doc_text(doc: Doc) -> str:
    text = doc.user_data.get(KEY)
    if text is None:
        text = doc.user_data[KEY] = doc.text
    return str(text)
