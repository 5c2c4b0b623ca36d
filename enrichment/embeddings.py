"""Message embeddings behind one small interface, so the model can be swapped.

`THREADLINE_EMBEDDINGS=off` (the default) or the name of a model below. A model must install
from PyPI with its weights inside the package and load with no network: `wordllama` (extra
`threadline[embeddings]`) is a static token-embedding model (numpy only, ~30,000 short
messages/s on one core) whose weights and tokenizer ship in its wheel. Its 256 dimensions are
cut to the first 64 (it is Matryoshka-trained: the first dimensions carry most of the meaning):
storing 256 floats per message cost about a quarter of the ingest rate, 64 about half that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt


class EmbeddingError(RuntimeError):
    """The embedding model is unknown or could not be loaded."""


class Embedder(Protocol):
    name: str
    dimensions: int
    # its nearest turns are matches of their own (a sentence model); a word-vector model's
    # similarity only reorders what matched otherwise (on long chats it matches too much)
    retrieves: bool

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """One unit-length row per message (a passage)."""

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """One unit-length row per question (models trained with a query prefix add it)."""


def unit_rows(rows: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: npt.NDArray[np.float32] = (rows / norms).astype(np.float32)
    return unit


PREVIOUS_CHARS = 400  # of the message before, at most (its end: what this one answers)


def in_context(text: str, previous: str | None) -> str:
    """What a message's embedding is computed from: the end of the message before it in its
    session, then the message. A reply ("yes, last Tuesday!") means what it answers; on LoCoMo's
    dev half this took recall@10 from 0.768 to 0.789 (docs/recall.md)."""
    if not previous:
        return text
    return f"{previous[-PREVIOUS_CHARS:]}\n{text}"


def to_stored(rows: npt.NDArray[np.float32]) -> list[bytes]:
    """Each row as it is stored on a message: one signed byte per dimension, the row scaled so
    its largest value is ±127 (a 384-dimension vector in 384 bytes instead of 3 KB of doubles;
    cosine similarity moves by under 0.01, docs/recall.md)."""
    peaks = np.abs(rows).max(axis=1, keepdims=True)
    peaks[peaks == 0] = 1.0
    scaled = np.rint(rows * (127.0 / peaks)).astype(np.int8)
    return [row.tobytes() for row in scaled]


def stored_similarities(
    question: npt.NDArray[np.float32], stored: list[bytes]
) -> npt.NDArray[np.float32]:
    """The cosine similarity of a unit-length question vector to each stored embedding (bytes
    of `to_stored`, all of the question's dimensions), in one matrix product."""
    if not stored:
        return np.zeros(0, dtype=np.float32)
    matrix = np.frombuffer(b"".join(stored), dtype=np.int8).reshape(len(stored), -1)
    return matrix_similarities(question, matrix)


def matrix_similarities(
    question: npt.NDArray[np.float32],
    matrix: npt.NDArray[np.int8],
    norms: npt.NDArray[np.float32] | None = None,
) -> npt.NDArray[np.float32]:
    """`stored_similarities` over embeddings already in one matrix (a row each), a few thousand
    rows at a time (each chunk's floats stay in the CPU's cache: 50,000 rows ~4x faster than
    converting the whole matrix at once); `norms`: the rows' lengths (`vector_norms`), when
    known."""
    similarities = np.empty(len(matrix), dtype=np.float32)
    for start in range(0, len(matrix), SIMILARITY_CHUNK):
        chunk = matrix[start : start + SIMILARITY_CHUNK].astype(np.float32)
        lengths = _lengths(chunk) if norms is None else norms[start : start + len(chunk)]
        similarities[start : start + len(chunk)] = (chunk @ question) / lengths
    return similarities


def vector_norms(matrix: npt.NDArray[np.int8]) -> npt.NDArray[np.float32]:
    """Each stored embedding's length (1 for an all-zero row, so dividing by it is safe)."""
    norms = np.empty(len(matrix), dtype=np.float32)
    for start in range(0, len(matrix), SIMILARITY_CHUNK):
        chunk = matrix[start : start + SIMILARITY_CHUNK].astype(np.float32)
        norms[start : start + len(chunk)] = _lengths(chunk)
    return norms


def _lengths(chunk: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    lengths: npt.NDArray[np.float32] = np.sqrt(np.einsum("ij,ij->i", chunk, chunk))
    lengths[lengths == 0] = 1.0
    return lengths


SIMILARITY_CHUNK = 2048
BUNDLED = 256  # the dimensions whose weights ship in the wordllama wheel


class WordLlamaEmbedder:
    """WordLlama's bundled model (`l2_supercat`), truncated to `dimensions` (Matryoshka)."""

    def __init__(self, dimensions: int = 256) -> None:
        if not 0 < dimensions <= BUNDLED:
            raise EmbeddingError(f"wordllama gives 1..{BUNDLED} dimensions")
        try:
            import wordllama  # type: ignore[import-untyped]
            from wordllama import WordLlama
        except ImportError as error:
            raise EmbeddingError(
                "THREADLINE_EMBEDDINGS=wordllama needs the extra `threadline[embeddings]`"
            ) from error
        package = Path(wordllama.__file__).parent
        try:  # its own folder as the cache, downloads disabled: never the network
            self._model = WordLlama.load(cache_dir=package, disable_download=True, dim=BUNDLED)
        except Exception as error:
            raise EmbeddingError(
                f"wordllama could not load its bundled weights: {error}"
            ) from error
        self.name = f"wordllama-{dimensions}"
        self.dimensions = dimensions
        self.retrieves = False

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        # Matryoshka: the first dimensions carry most of the meaning; renormalized after the cut
        full = np.asarray(self._model.embed(texts), dtype=np.float32)
        return unit_rows(full[:, : self.dimensions])

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self.embed(texts)  # symmetric: a question is embedded like a message


STORED_DIMENSIONS = 64  # what the message_embedding vector index expects (cypher/schema)
MODELS = {"wordllama": lambda: WordLlamaEmbedder(STORED_DIMENSIONS)}
