"""The in-memory indexes of one intake process, rebuilt from the store: near-duplicates and stories.

Both are built from the documents of the last ``window`` (default 14 days) when first used, then
kept up to date with every document this process stores and, on each :meth:`IntakeIndex.sync`,
with documents other processes stored meanwhile. Nothing here is the truth: the store is. After a
restart the near-duplicate index re-hashes the stored texts and each story's centroid is the
normalised sum of its members' stored embeddings, exactly as it was before.

Story placement follows :mod:`zhimei.stories.cluster`: a document joins the story whose centroid is
most similar when the cosine is at least ``threshold``, else it starts a story; the
representative is the member nearest the centroid, ties within ``REPRESENTATIVE_MARGIN`` going to
the earliest published, then the longest, then the first to arrive.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from zhimei.records import Document, Lang, utcnow
from zhimei.store.documents import IndexedDocument, indexed_documents
from zhimei.store.stories_repo import Member
from zhimei.stories import DEFAULT_DEDUPE_THRESHOLD, DEFAULT_STORY_THRESHOLD, NearDuplicateIndex
from zhimei.stories.cluster import REPRESENTATIVE_MARGIN

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "DEFAULT_WINDOW",
    "REBUILD_AFTER",
    "IntakeIndex",
    "Placement",
    "representative",
    "vector_bytes",
    "vector_of",
]

DEFAULT_WINDOW = timedelta(days=14)
# A long-running worker rebuilds its indexes this often, so documents older than the window leave them.
REBUILD_AFTER = timedelta(days=1)


def vector_bytes(vector: NDArray[np.float32]) -> bytes:
    """An embedding as stored: little-endian float32."""
    import numpy as np

    return np.asarray(vector, dtype="<f4").tobytes()


def vector_of(data: bytes) -> NDArray[np.float32]:
    """A stored embedding as a float32 row."""
    import numpy as np

    return np.frombuffer(data, dtype="<f4").astype(np.float32)


@dataclass(frozen=True)
class Placement:
    """Where a new document goes: an existing story (with its cosine to the centroid) or a new one."""

    story_id: int | None
    similarity: float


def representative(members: Sequence[Member], dim: int) -> int:
    """The id of a story's representative document (the rule in the module notes)."""
    import numpy as np

    usable = [m for m in members if m.vector is not None and len(m.vector) == 4 * dim]
    if not usable:
        return members[0].document_id
    vectors = np.stack([vector_of(m.vector) for m in usable if m.vector is not None])
    centroid = vectors.sum(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    similarity = (vectors @ centroid).tolist()
    best = max(similarity)
    tied = [m for m, s in zip(usable, similarity, strict=True) if s >= best - REPRESENTATIVE_MARGIN]
    order = {m.document_id: i for i, m in enumerate(members)}
    chosen = min(
        tied,
        key=lambda m: (
            m.published is None,
            m.published.timestamp() if m.published else 0.0,
            -m.length,
            order[m.document_id],
        ),
    )
    return chosen.document_id


class IntakeIndex:
    """Near-duplicate index and story centroids of recent documents, kept in step with the store."""

    def __init__(
        self,
        engine: Engine,
        dim: int,
        *,
        dedupe_threshold: float = DEFAULT_DEDUPE_THRESHOLD,
        story_threshold: float = DEFAULT_STORY_THRESHOLD,
        window: timedelta = DEFAULT_WINDOW,
    ) -> None:
        import numpy as np

        self.engine = engine
        self.dim = dim
        self.story_threshold = story_threshold
        self.dedupe = NearDuplicateIndex(dedupe_threshold)
        self.built_at = utcnow()
        self.since: datetime = self.built_at - window
        self._ids: dict[str, int] = {}
        self._stories: dict[int, int] = {}  # story id -> row of the matrices
        self._story_ids: list[int] = []
        self._sums: NDArray[np.float64] = np.zeros((64, dim), dtype=np.float64)
        self._centroids: NDArray[np.float32] = np.zeros((64, dim), dtype=np.float32)
        self._last_id = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def stale(self) -> bool:
        """Whether the index is old enough to be rebuilt (to drop documents past the window)."""
        return utcnow() - self.built_at > REBUILD_AFTER

    def sync(self) -> int:
        """Take in documents stored since the last sync (by any process); returns how many."""
        with self._lock:
            count = 0
            for stored in indexed_documents(self.engine, after_id=self._last_id, since=self.since):
                self._take(stored)
                count += 1
            return count

    def _take(self, stored: IndexedDocument) -> None:
        self._last_id = max(self._last_id, stored.id)
        if stored.content_hash in self._ids:  # stored by this process: taken in already
            return
        self._index_text(stored.id, stored.content_hash, f"{stored.title}\n{stored.text}", stored.lang)  # type: ignore[arg-type]
        if stored.story_id is not None and stored.vector is not None and stored.dim == self.dim:
            self._join(stored.story_id, vector_of(stored.vector))

    def _index_text(self, document_id: int, key: str, text: str, lang: Lang) -> None:
        if key not in self._ids:
            self.dedupe.add(key, text, lang)
            self._ids[key] = document_id

    def _row(self, story_id: int) -> int:
        import numpy as np

        row = self._stories.get(story_id)
        if row is None:
            row = len(self._story_ids)
            if row == len(self._sums):
                self._sums = np.concatenate([self._sums, np.zeros_like(self._sums)])
                self._centroids = np.concatenate([self._centroids, np.zeros_like(self._centroids)])
            self._stories[story_id] = row
            self._story_ids.append(story_id)
        return row

    def _join(self, story_id: int, vector: NDArray[np.float32]) -> None:
        import numpy as np

        row = self._row(story_id)
        self._sums[row] += vector
        norm = float(np.linalg.norm(self._sums[row]))
        self._centroids[row] = self._sums[row] / norm if norm > 0 else self._sums[row]

    def near_duplicates(self, doc: Document) -> list[tuple[int, float]]:
        """Indexed documents ``doc`` nearly repeats: (document id, similarity), most similar first."""
        with self._lock:
            found = self.dedupe.query(f"{doc.title}\n{doc.text}", doc.lang)
            return [
                (self._ids[m.key], m.similarity)
                for m in found
                if m.key in self._ids and m.key != doc.content_hash
            ]

    def place(self, vector: NDArray[np.float32]) -> Placement:
        """The story a document with this embedding joins (``story_id`` None: a new story)."""
        with self._lock:
            count = len(self._story_ids)
            if count == 0:
                return Placement(None, 1.0)
            similarity = self._centroids[:count] @ vector
            best = int(similarity.argmax())
            score = float(similarity[best])
            if score >= self.story_threshold:
                return Placement(self._story_ids[best], score)
            return Placement(None, 1.0)

    def similarity(self, story_id: int, vector: NDArray[np.float32]) -> float:
        """Cosine of an embedding to a story's centroid (0.0 for a story not indexed)."""
        with self._lock:
            row = self._stories.get(story_id)
            return 0.0 if row is None else float(self._centroids[row] @ vector)

    def added(
        self, document_id: int, doc: Document, story_id: int | None, vector: NDArray[np.float32] | None
    ) -> None:
        """Take in a document this process just stored (after its transaction committed)."""
        with self._lock:
            self._index_text(document_id, doc.content_hash, f"{doc.title}\n{doc.text}", doc.lang)
            if story_id is not None and vector is not None:
                self._join(story_id, vector)
