"""Fixtures of the stories tests: a fake embedder (no model pack) and a document factory."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from zhimei.records import Document, Lang

FIXTURES = Path(__file__).parent / "fixtures"

# Concepts the fake embedder knows, each with its zh and en words: one dimension per concept.
CONCEPTS: tuple[tuple[str, ...], ...] = (
    ("earthquake", "地震"),
    ("typhoon", "台风"),
    ("iphone", "苹果"),
    ("football", "足球"),
    ("rates", "利率"),
    ("election", "选举"),
    ("recipe", "菜谱"),
    ("wildfire", "山火"),
)


class FakeConceptEmbedder:
    """Fake embedder for tests: counts concept words (zh or en alike) into one dimension each.

    A text naming no concept lands on a last, shared "other" dimension; the empty text is refused,
    as the real encoder refuses it.
    """

    name = "fake-concepts"
    dim = len(CONCEPTS) + 1

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        from zhimei.errors import InputError

        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            if not text.strip():
                raise InputError(f"text {i} is empty")
            lowered = text.lower()
            for j, words in enumerate(CONCEPTS):
                out[i, j] = sum(len(re.findall(re.escape(w), lowered)) for w in words)
            if not out[i].any():
                out[i, -1] = 1.0
        return out


@pytest.fixture
def fake_embedder() -> FakeConceptEmbedder:
    return FakeConceptEmbedder()


MakeDoc = Callable[..., Document]


def make_doc(
    title: str, text: str = "", lang: Lang = "en", published: datetime | None = None, source: str = "test"
) -> Document:
    """A document whose content_hash is the sha256 of its title and text."""
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
    return Document(
        source=source, title=title, text=text, lang=lang, content_hash=digest, published=published
    )


@pytest.fixture
def doc() -> MakeDoc:
    return make_doc
