"""Near-duplicate detection: MinHash signatures in a banded LSH index, incremental.

Add documents one at a time; each ``add`` first returns the indexed documents whose shingle sets
have an estimated Jaccard similarity ≥ ``threshold`` with it. A query hashes the text once
(linear in its length), looks up ``bands`` buckets and compares signatures only with the
documents sharing a bucket, so indexing n documents costs about n, not n², as long as buckets stay
small (they do unless thousands of documents are near-copies of each other).

Shingles: character 4-grams for zh, word 3-grams for en (see :mod:`zhimei.stories.shingles`).
Exact copies (same ``content_hash``) are one document already; this finds edited, re-punctuated,
reordered and truncated copies. Only the first :data:`~zhimei.stories.textprep.MAX_CHARS`
characters of a text are compared. Memory: ``num_perm × 4`` bytes of signature per document plus
one bucket entry per band.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zhimei.errors import InputError
from zhimei.records import Document, Lang, NearDuplicate
from zhimei.stories._deps import require
from zhimei.stories.minhash import BandIndex, MinHasher, lsh_bands
from zhimei.stories.shingles import EN_SHINGLE, ZH_SHINGLE, shingle_hashes
from zhimei.stories.textprep import resolve_lang

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["DEFAULT_DEDUPE_THRESHOLD", "NearDuplicateIndex"]

DEFAULT_DEDUPE_THRESHOLD = 0.5


class NearDuplicateIndex:
    """An in-memory, incremental MinHash/LSH index of texts keyed by a string (a ``content_hash``)."""

    def __init__(
        self,
        threshold: float = DEFAULT_DEDUPE_THRESHOLD,
        *,
        num_perm: int = 128,
        zh_shingle: int = ZH_SHINGLE,
        en_shingle: int = EN_SHINGLE,
        seed: int = 1,
    ) -> None:
        require("numpy")
        import numpy as np

        if zh_shingle < 1 or en_shingle < 1:
            raise InputError("shingle sizes must be at least 1", "use the defaults (zh 4, en 3)")
        self.threshold = threshold
        self.zh_shingle = zh_shingle
        self.en_shingle = en_shingle
        self._hasher = MinHasher(num_perm, seed)
        self._bands = BandIndex(*lsh_bands(threshold, num_perm))
        self._keys: list[str] = []
        self._rows: dict[str, int] = {}
        self._signatures: NDArray[np.uint32] = np.empty((1024, num_perm), dtype=np.uint32)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def signature(self, text: str, lang: Lang | None = None) -> NDArray[np.uint32]:
        """The MinHash signature of ``text`` (language detected when not given)."""
        lang = resolve_lang(text, lang)
        hashes = shingle_hashes(text, lang, zh_size=self.zh_shingle, en_size=self.en_shingle)
        return self._hasher.signature(hashes)

    def _matches(self, signature: NDArray[np.uint32], keys: list[int]) -> tuple[NearDuplicate, ...]:
        import numpy as np

        rows = np.fromiter(self._bands.candidates(keys), dtype=np.int64)
        if rows.size == 0:
            return ()
        similarity = (self._signatures[rows] == signature).mean(axis=1)
        keep = similarity >= self.threshold
        found = sorted(zip(similarity[keep].tolist(), rows[keep].tolist(), strict=True), key=lambda x: -x[0])
        return tuple(NearDuplicate(key=self._keys[row], similarity=round(s, 4)) for s, row in found)

    def query(self, text: str, lang: Lang | None = None) -> tuple[NearDuplicate, ...]:
        """Indexed texts near-duplicating ``text``, most similar first; nothing is added."""
        signature = self.signature(text, lang)
        return self._matches(signature, self._bands.keys(signature))

    def add(self, key: str, text: str, lang: Lang | None = None) -> tuple[NearDuplicate, ...]:
        """Index ``text`` under ``key`` and return the near-duplicates indexed before it.

        Adding a key again indexes nothing and returns its near-duplicates other than itself.
        """
        import numpy as np

        if not key:
            raise InputError("a near-duplicate index key must not be empty", "use the content_hash")
        signature = self.signature(text, lang)
        keys = self._bands.keys(signature)
        matches = self._matches(signature, keys)
        if key in self._rows:
            return tuple(m for m in matches if m.key != key)
        row = len(self._keys)
        if row == len(self._signatures):
            grown = np.empty((2 * row, self._signatures.shape[1]), dtype=np.uint32)
            grown[:row] = self._signatures
            self._signatures = grown
        self._signatures[row] = signature
        self._keys.append(key)
        self._rows[key] = row
        self._bands.insert(row, keys)
        return matches

    def add_document(self, doc: Document) -> tuple[NearDuplicate, ...]:
        """:meth:`add` for a document: its title and text, under its ``content_hash``."""
        return self.add(doc.content_hash, f"{doc.title}\n{doc.text}", doc.lang)
