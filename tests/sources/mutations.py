"""Hypothesis strategy for hostile variants of valid documents: bytes deleted, inserted, flipped,
duplicated, or the document cut short — up to four edits each."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st


@st.composite
def mutated(draw: st.DrawFn, documents: Sequence[bytes], tokens: Sequence[bytes], span: int = 40) -> bytes:
    """One of ``documents`` with 1-4 random edits; inserts are random bytes or one of ``tokens``."""
    data = bytearray(draw(st.sampled_from(list(documents))))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "flip", "truncate", "duplicate"]))
        at = draw(st.integers(0, len(data)))
        if op == "delete":
            del data[at : at + draw(st.integers(1, span))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=12) | st.sampled_from(list(tokens)))
        elif op == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del data[at:]
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
    return bytes(data)
