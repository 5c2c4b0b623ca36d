"""Which embedding model THREADLINE_EMBEDDINGS names, loaded: the ONNX sentence models
(`onnx_embedder.py`, from the folder `threadline models install` fills) or WordLlama's static
word vectors (`embeddings.py`, from its wheel)."""

from __future__ import annotations

from pathlib import Path

from enrichment.embeddings import MODELS, Embedder, EmbeddingError
from enrichment.onnx_embedder import MODELS as ONNX_MODELS
from enrichment.onnx_embedder import OnnxEmbedder


def load_embedder(name: str, models_dir: Path | None = None, threads: int = 1) -> Embedder | None:
    """The model `THREADLINE_EMBEDDINGS` names; None for `off`. The ONNX models load from
    `models_dir` (where `threadline models install` unpacked them), with `threads` threads."""
    if name == "off":
        return None
    if name in ONNX_MODELS:
        if models_dir is None:
            raise EmbeddingError(f"the {name} model needs its folder (THREADLINE_MODELS_DIR)")
        return OnnxEmbedder(ONNX_MODELS[name], models_dir, threads)
    if name not in MODELS:
        known = ", ".join(["off", *ONNX_MODELS, *MODELS])
        raise EmbeddingError(f"unknown embedding model {name!r} ({known})")
    return MODELS[name]()
