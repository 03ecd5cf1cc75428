"""MinHash signatures and banded LSH, in numpy.

A signature holds ``num_perm`` minima of the shingle hashes under random permutations of the
64-bit integers (``a·x + b mod 2⁶⁴`` with odd ``a`` is a bijection), keeping the top 32 bits. The
share of equal positions in two signatures estimates the Jaccard similarity of the shingle sets
(standard error ≈ √(J(1−J)/num_perm): ±0.04 at 128 permutations).

Banded LSH cuts a signature into ``bands`` × ``rows``; two texts become candidates when any band is
identical, which happens with probability 1 − (1 − Jʳ)ᵇ. :func:`lsh_bands` picks b and r for a
threshold the way datasketch does: minimising the weighted areas of false positives below the
threshold and false negatives above it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from zhimei.errors import InputError
from zhimei.stories.shingles import mix64

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["BandIndex", "MinHasher", "lsh_bands"]

# Shingles hashed per step: bounds the (chunk × num_perm) working array to ~2 MB at 128 permutations.
_CHUNK = 2048


class MinHasher:
    """Signatures of ``num_perm`` 32-bit minima; the same ``seed`` gives the same permutations anywhere."""

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        import numpy as np

        if not 16 <= num_perm <= 1024:
            raise InputError(f"num_perm must be between 16 and 1024, got {num_perm}", "use 128")
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self._a = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)

    def signature(self, hashes: NDArray[np.uint64]) -> NDArray[np.uint32]:
        """The signature of one set of shingle hashes (at least one)."""
        import numpy as np

        if len(hashes) == 0:
            raise InputError("no shingles to sign", "skip empty documents")
        lowest = np.full(self.num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
        for start in range(0, len(hashes), _CHUNK):
            block = hashes[start : start + _CHUNK, None] * self._a
            block += self._b
            np.minimum(lowest, block.min(axis=0), out=lowest)
        return (lowest >> np.uint64(32)).astype(np.uint32)


def _false_positive(threshold: float, bands: int, rows: int) -> float:
    import numpy as np

    s = np.linspace(0.0, threshold, 201)
    return float(np.trapezoid(1 - (1 - s**rows) ** bands, s))


def _false_negative(threshold: float, bands: int, rows: int) -> float:
    import numpy as np

    s = np.linspace(threshold, 1.0, 201)
    return float(np.trapezoid((1 - s**rows) ** bands, s))


@functools.lru_cache(maxsize=64)
def lsh_bands(threshold: float, num_perm: int, fp_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) with bands × rows ≤ num_perm minimising weighted false positives and negatives."""
    if not 0.0 < threshold < 1.0:
        raise InputError(f"threshold must be between 0 and 1, got {threshold}", "use e.g. 0.6")
    best: tuple[float, int, int] | None = None
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            fp = _false_positive(threshold, bands, rows)
            fn = _false_negative(threshold, bands, rows)
            error = fp_weight * fp + (1 - fp_weight) * fn
            if best is None or error < best[0]:
                best = (error, bands, rows)
    assert best is not None
    return best[1], best[2]


class BandIndex:
    """Buckets of band hashes → row numbers; a query returns the rows sharing any band."""

    def __init__(self, bands: int, rows: int) -> None:
        import numpy as np

        self.bands = bands
        self.rows = rows
        # One odd salt per band, so equal rows in different bands never share a bucket.
        self._salt = np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        # A bucket with one row holds the int; a shared bucket holds a list (saves memory at scale).
        self._buckets: dict[int, int | list[int]] = {}

    def keys(self, signature: NDArray[np.uint32]) -> list[int]:
        """The bucket key of each band of ``signature``."""
        import numpy as np

        block = signature[: self.bands * self.rows].reshape(self.bands, self.rows).astype(np.uint64)
        h = self._salt.copy()
        for r in range(self.rows):
            h *= np.uint64(0x100000001B3)
            h += block[:, r]
        return [int(k) for k in mix64(h)]

    def insert(self, row: int, keys: list[int]) -> None:
        """File ``row`` under each of its band keys."""
        buckets = self._buckets
        for key in keys:
            found = buckets.get(key)
            if found is None:
                buckets[key] = row
            elif isinstance(found, int):
                buckets[key] = [found, row]
            else:
                found.append(row)

    def candidates(self, keys: list[int]) -> set[int]:
        """Rows sharing at least one band key with ``keys``."""
        out: set[int] = set()
        for key in keys:
            found = self._buckets.get(key)
            if found is None:
                continue
            if isinstance(found, int):
                out.add(found)
            else:
                out.update(found)
        return out
