"""Stories: documents about the same event, grouped incrementally across languages.

Each new document is embedded (title + lead, :func:`~zhimei.stories.encoder.embed_documents`) and
compared with the centroid of every story (one matrix-vector product): it joins the most similar
story when the cosine similarity is at least ``threshold``, otherwise it starts a new story. The
multilingual encoder puts a zh report and an en report of one event close together, so stories
are bilingual. Cost per document is one comparison per story, not per document; the arrival order
matters (as it does in a newsroom).

Representative rule: the member whose embedding is closest to the story centroid; members within
:data:`REPRESENTATIVE_MARGIN` of that best similarity count as tied, and among them the earliest
``published`` wins (unknown dates last), then the longest title + text, then the first to arrive.

Memory: one float32 vector per document and one per story (2 KB each at 512 dimensions).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from zhimei.errors import InputError, NotFoundError
from zhimei.records import Document, Lang, Story
from zhimei.stories._deps import require
from zhimei.stories.encoder import Embedder, embed_documents

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["DEFAULT_STORY_THRESHOLD", "REPRESENTATIVE_MARGIN", "StoryClusterer", "story_id"]

# Tuned on a self-made bilingual set of reports (tests/stories/fixtures/bilingual_events.jsonl).
DEFAULT_STORY_THRESHOLD = 0.5
REPRESENTATIVE_MARGIN = 0.02


@dataclass(frozen=True)
class _Member:
    key: str
    row: int
    published: datetime | None
    length: int
    lang: Lang


def story_id(first_key: str) -> str:
    """The id of a story started by the document ``first_key``: stable across runs."""
    return "story-" + hashlib.sha256(first_key.encode("utf-8")).hexdigest()[:16]


class _Growing:
    """A float matrix that doubles its capacity as rows are appended."""

    def __init__(self, dim: int, dtype: str) -> None:
        import numpy as np

        self.data = np.zeros((64, dim), dtype=dtype)
        self.size = 0

    def append(self, row: NDArray[np.floating]) -> int:
        import numpy as np

        if self.size == len(self.data):
            grown = np.zeros((2 * self.size, self.data.shape[1]), dtype=self.data.dtype)
            grown[: self.size] = self.data
            self.data = grown
        self.data[self.size] = row
        self.size += 1
        return self.size - 1

    @property
    def rows(self) -> NDArray[np.floating]:
        return self.data[: self.size]


class StoryClusterer:
    """Incremental clustering of documents into stories by cosine similarity to story centroids."""

    def __init__(self, embedder: Embedder, threshold: float = DEFAULT_STORY_THRESHOLD) -> None:
        require("numpy")
        if not -1.0 < threshold < 1.0:
            raise InputError(f"story threshold must be between -1 and 1, got {threshold}", "use e.g. 0.5")
        self.embedder = embedder
        self.threshold = threshold
        self._vectors = _Growing(embedder.dim, "float32")
        self._sums = _Growing(embedder.dim, "float64")
        self._centroids = _Growing(embedder.dim, "float32")
        self._members: list[list[_Member]] = []
        self._ids: list[str] = []
        self._story_of: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, doc: Document) -> Story:
        """Place ``doc`` in a story and return that story (a document already placed stays put)."""
        return self.add_many([doc])[0]

    def add_many(self, docs: Sequence[Document]) -> list[Story]:
        """Place ``docs`` in arrival order; the story of each, in input order.

        All new documents are embedded first, so an unusable one (no title, no text) raises
        InputError before any document is placed.
        """
        new: dict[str, Document] = {}
        for d in docs:
            if d.content_hash not in self._story_of:
                new.setdefault(d.content_hash, d)
        vectors = embed_documents(self.embedder, list(new.values()))
        for doc, vector in zip(new.values(), vectors, strict=True):
            self.add_vector(doc, vector)
        return [self._story(self._story_of[d.content_hash]) for d in docs]

    def add_vector(self, doc: Document, vector: NDArray[np.float32]) -> Story:
        """Place ``doc`` given its L2-normalised embedding (shared with a classifier, say)."""
        import numpy as np

        placed = self._story_of.get(doc.content_hash)
        if placed is not None:
            return self._story(placed)
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        if vector.shape != (self.embedder.dim,):
            raise InputError(f"embedding has shape {vector.shape}, expected ({self.embedder.dim},)")
        story = self._nearest(vector)
        row = self._vectors.append(vector)
        member = _Member(doc.content_hash, row, doc.published, len(doc.title) + len(doc.text), doc.lang)
        if story is None:
            story = len(self._ids)
            self._ids.append(story_id(doc.content_hash))
            self._members.append([member])
            self._sums.append(vector.astype(np.float64))
            self._centroids.append(vector)
        else:
            self._members[story].append(member)
            self._sums.data[story] += vector
            total = self._sums.data[story]
            norm = float(np.linalg.norm(total))
            self._centroids.data[story] = total / norm if norm > 0 else total
        self._story_of[doc.content_hash] = story
        return self._story(story)

    def _nearest(self, vector: NDArray[np.float32]) -> int | None:
        import numpy as np

        if not self._ids:
            return None
        similarity = self._centroids.rows @ vector
        best = int(np.argmax(similarity))
        return best if similarity[best] >= self.threshold else None

    def _representative(self, story: int) -> str:
        members = self._members[story]
        if len(members) == 1:
            return members[0].key
        rows = [m.row for m in members]
        similarity = (self._vectors.data[rows] @ self._centroids.data[story]).tolist()
        best = max(similarity)
        tied = [m for m, s in zip(members, similarity, strict=True) if s >= best - REPRESENTATIVE_MARGIN]
        # Earliest known date first (unknown last), then longest, then first to arrive.
        return min(
            tied,
            key=lambda m: (
                m.published is None,
                m.published.timestamp() if m.published else 0.0,
                -m.length,
                m.row,
            ),
        ).key

    def _story(self, story: int) -> Story:
        members = self._members[story]
        return Story(
            id=self._ids[story],
            documents=tuple(m.key for m in members),
            representative=self._representative(story),
            langs=tuple(dict.fromkeys(m.lang for m in members)),
        )

    def stories(self) -> list[Story]:
        """Every story, in the order they started."""
        return [self._story(i) for i in range(len(self._ids))]

    def story(self, story_id: str) -> Story:
        """The story with id ``story_id``."""
        try:
            return self._story(self._ids.index(story_id))
        except ValueError:
            raise NotFoundError(f"no story {story_id!r}", "list them with stories()") from None

    def story_of(self, key: str) -> Story:
        """The story of the document with ``content_hash`` ``key``."""
        placed = self._story_of.get(key)
        if placed is None:
            raise NotFoundError(f"document {key[:12]} is in no story", "add it first") from None
        return self._story(placed)
