"""Topic classification of texts and documents on sentence embeddings.

* :class:`ZeroShotClassifier` needs no training: each category is the mean embedding of its zh and
  en descriptions (:mod:`zhimei.stories.categories`), and a text's probabilities are a softmax of
  its cosine similarities to them at temperature 0.05 (on the NLPCC headlines that makes the top
  probability about as high, on average, as the accuracy).
* :class:`TrainedClassifier` is a softmax regression on the embeddings of a newsroom's own labelled
  texts (:func:`~zhimei.stories.softmax.fit_softmax`). It saves to one ``.npz`` file holding the
  weights and a JSON header with a format version, the labels and the embedder it was trained on;
  loading never unpickles anything and refuses a file made for another embedder.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zhimei.errors import InputError, StorageError
from zhimei.records import Document, TopicScore, utcnow
from zhimei.stories._deps import require
from zhimei.stories.categories import DEFAULT_CATEGORIES, Category
from zhimei.stories.encoder import Embedder, embed_documents, embed_texts
from zhimei.stories.softmax import fit_softmax, softmax

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["FORMAT", "FORMAT_VERSION", "TopicClassifier", "TrainedClassifier", "ZeroShotClassifier"]

FORMAT = "zhimei.topic-classifier"
FORMAT_VERSION = 1
ZERO_SHOT_TEMPERATURE = 0.05
# L2 penalty on standardised embeddings, chosen by 5-fold cross-validation on the NLPCC headlines
# (anything from 0.03 to 0.3 is within 0.02 accuracy).
DEFAULT_L2 = 0.1


class TopicClassifier:
    """What every topic classifier offers; subclasses define ``labels`` and :meth:`probabilities`."""

    embedder: Embedder
    labels: tuple[str, ...]

    def probabilities(self, vectors: NDArray[np.float32]) -> NDArray[np.float64]:
        """One row of label probabilities per embedding row (columns follow ``labels``)."""
        raise NotImplementedError

    def topics(self, vectors: NDArray[np.float32], top_k: int = 3) -> list[tuple[TopicScore, ...]]:
        """The ``top_k`` most probable labels of each embedding row, most probable first."""
        import numpy as np

        probs = self.probabilities(vectors)
        order = np.argsort(-probs, axis=1, kind="stable")[:, : max(1, top_k)]
        return [
            tuple(TopicScore(label=self.labels[j], score=round(float(p[j]), 4)) for j in row)
            for p, row in zip(probs, order, strict=True)
        ]

    def classify(self, texts: Sequence[str], top_k: int = 3) -> list[tuple[TopicScore, ...]]:
        """Top labels of each text (InputError for an empty text)."""
        return self.topics(embed_texts(self.embedder, texts), top_k)

    def classify_documents(self, docs: Sequence[Document], top_k: int = 3) -> list[tuple[TopicScore, ...]]:
        """Top labels of each document, from its title and lead."""
        return self.topics(embed_documents(self.embedder, docs), top_k)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label of each text."""
        return [scores[0].label for scores in self.classify(texts, top_k=1)]


class ZeroShotClassifier(TopicClassifier):
    """Labels by similarity to category descriptions; no training data needed."""

    def __init__(
        self,
        embedder: Embedder,
        categories: Sequence[Category] = DEFAULT_CATEGORIES,
        temperature: float = ZERO_SHOT_TEMPERATURE,
    ) -> None:
        import numpy as np

        require("numpy")
        labels = [c.label for c in categories]
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise InputError("zero-shot classification needs at least two categories with distinct labels")
        for c in categories:
            if not [d for d in c.descriptions if d.strip()]:
                raise InputError(f"category {c.label!r} has no description", "give it zh or en descriptions")
        if temperature <= 0:
            raise InputError(f"temperature must be positive, got {temperature}", "use 0.05")
        self.embedder = embedder
        self.labels = tuple(labels)
        self.temperature = temperature
        rows = []
        for c in categories:
            mean = embed_texts(self.embedder, [d for d in c.descriptions if d.strip()]).mean(axis=0)
            rows.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
        self.prototypes: NDArray[np.float32] = np.stack(rows).astype(np.float32)

    def probabilities(self, vectors: NDArray[np.float32]) -> NDArray[np.float64]:
        return softmax(vectors @ self.prototypes.T, self.temperature)


class TrainedClassifier(TopicClassifier):
    """A softmax regression on sentence embeddings, trained on labelled texts."""

    def __init__(
        self,
        embedder: Embedder,
        labels: Sequence[str],
        weights: NDArray[np.floating],
        bias: NDArray[np.floating],
        meta: dict[str, Any] | None = None,
    ) -> None:
        import numpy as np

        self.embedder = embedder
        self.labels = tuple(labels)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.meta = dict(meta or {})
        if self.weights.shape != (embedder.dim, len(self.labels)) or self.bias.shape != (len(self.labels),):
            raise InputError(
                f"classifier weights {self.weights.shape} do not fit {len(self.labels)} labels "
                f"and embedder dim {embedder.dim}",
                "retrain the classifier with this embedder",
            )

    @classmethod
    def fit(
        cls, embedder: Embedder, texts: Sequence[str], labels: Sequence[str], *, l2: float = DEFAULT_L2
    ) -> TrainedClassifier:
        """Train on ``texts`` and their ``labels`` (at least two distinct labels)."""
        return cls.fit_vectors(embedder, embed_texts(embedder, texts), labels, l2=l2)

    @classmethod
    def fit_vectors(
        cls,
        embedder: Embedder,
        vectors: NDArray[np.float32],
        labels: Sequence[str],
        *,
        l2: float = DEFAULT_L2,
    ) -> TrainedClassifier:
        """Train on embeddings already computed with ``embedder``."""
        import numpy as np

        require("numpy")
        if len(vectors) != len(labels):
            raise InputError(f"{len(vectors)} texts but {len(labels)} labels", "give one label per text")
        if any(not isinstance(x, str) or not x.strip() for x in labels):
            raise InputError("every label must be a non-empty string", "fix the labelled data")
        names = sorted(set(labels))
        if len(names) < 2:
            raise InputError("training needs at least two different labels", "add examples of other labels")
        index = {name: i for i, name in enumerate(names)}
        y = np.array([index[x] for x in labels])
        weights, bias = fit_softmax(vectors, y, len(names), l2=l2)
        meta = {"l2": l2, "examples": len(labels), "trained_at": utcnow().isoformat()}
        return cls(embedder, names, weights, bias, meta)

    def probabilities(self, vectors: NDArray[np.float32]) -> NDArray[np.float64]:
        return softmax(vectors @ self.weights + self.bias)

    def save(self, path: Path) -> None:
        """Write the classifier to ``path`` (an ``.npz`` file), atomically."""
        import numpy as np

        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "labels": list(self.labels),
            "embedder": self.embedder.name,
            "dim": self.embedder.dim,
            **self.meta,
        }
        path = Path(path)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".partial")
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, weights=self.weights, bias=self.bias, header=np.array(json.dumps(header)))
            os.replace(tmp, path)
        except OSError as exc:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            raise StorageError(
                f"cannot write {path}: {exc.strerror or exc}", "check the path and free space"
            ) from exc

    @classmethod
    def load(cls, path: Path, embedder: Embedder) -> TrainedClassifier:
        """Read a classifier saved by :meth:`save`; it must have been trained with ``embedder``."""
        import numpy as np

        require("numpy")
        path = Path(path)
        hint = "train and save the classifier again"
        try:
            data = np.load(path, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):  # a bare .npy array
                raise InputError(f"{path} is not a zhimei classifier file (not an .npz archive)", hint)
            with data:
                arrays = {k: data[k] for k in ("weights", "bias", "header") if k in data.files}
        except FileNotFoundError:
            raise InputError(f"no classifier file at {path}", "check the path") from None
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise InputError(f"{path} is not a zhimei classifier file ({exc})", hint) from None
        if set(arrays) != {"weights", "bias", "header"}:
            raise InputError(f"{path} is not a zhimei classifier file (missing arrays)", hint)
        try:
            header = json.loads(str(arrays["header"]))
        except ValueError:
            raise InputError(f"{path} has an unreadable header", hint) from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise InputError(f"{path} is not a zhimei classifier file", hint)
        if header.get("version") != FORMAT_VERSION:
            raise InputError(
                f"{path} has classifier format version {header.get('version')!r}; "
                f"this zhimei reads version {FORMAT_VERSION}",
                hint,
            )
        if header.get("embedder") != embedder.name:
            raise InputError(
                f"{path} was trained on embedder {header.get('embedder')!r}, not {embedder.name!r}", hint
            )
        labels = header.get("labels")
        if (
            not isinstance(labels, list)
            or not all(isinstance(x, str) for x in labels)
            or len(set(labels)) != len(labels)
        ):
            raise InputError(f"{path} has invalid labels", hint)
        weights, bias = arrays["weights"], arrays["bias"]
        if (
            weights.dtype.kind != "f"
            or bias.dtype.kind != "f"
            or not (np.isfinite(weights).all() and np.isfinite(bias).all())
        ):
            raise InputError(f"{path} has invalid weights", hint)
        meta = {
            k: v for k, v in header.items() if k not in {"format", "version", "labels", "embedder", "dim"}
        }
        return cls(embedder, labels, weights, bias, meta)
