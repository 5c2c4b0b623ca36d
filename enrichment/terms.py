"""The keyword terms of a text, as recall matches them: words analysed the way Lucene's English
analyzer does (the `message_search` fulltext index's): split into words (letters, digits and
underscores, kept together across an inner apostrophe or dot: "don't", "3.5", "shop.com"),
lower-cased, a possessive 's dropped, English stop words left out, Porter-stemmed ("refunds",
"refunded" -> "refund"). Recall matches a question's terms against each message's in the API,
over the person's recall blocks (graph/store/recall_blocks.py keeps each message's terms as
32-bit hashes), so no other person's messages take part and no fulltext query runs per word.
"""

from __future__ import annotations

import re
import threading
import zlib

import Stemmer

# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET
STOP_WORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into",
        "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then",
        "there", "these", "they", "this", "to", "was", "will", "with",
    }
)  # fmt: skip
_WORD = re.compile(r"\w+(?:['.]\w+)*")
_APOSTROPHE = "\u2019"  # a typographic apostrophe reads as '
_local = threading.local()  # a Stemmer keeps a cache: one per thread


def _stemmer() -> Stemmer.Stemmer:
    stemmer: Stemmer.Stemmer | None = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("porter")
    return stemmer


def terms(text: str) -> list[str]:
    """The text's terms in order (repeats kept)."""
    words = []
    for token in _WORD.findall(text.lower().replace(_APOSTROPHE, "'")):
        word = token[:-2] if token.endswith("'s") else token
        if word and word not in STOP_WORDS:
            words.append(word)
    return list(_stemmer().stemWords(words)) if words else []


def term_hash(term: str) -> int:
    """A term's 32-bit hash (CRC-32 of its UTF-8: the same in every process and release)."""
    return zlib.crc32(term.encode())


def term_hashes(text: str | None) -> list[int]:
    """The distinct hashes of the text's terms, in the order they first appear."""
    if not text:
        return []
    return list(dict.fromkeys(term_hash(t) for t in terms(text)))
