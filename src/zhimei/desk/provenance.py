"""Who wrote which part of a draft: provenance spans carried forward revision by revision.

A model-written revision is one span of the model (its generation id). Each later revision is
diffed against its parent (:func:`zhimei.desk.diffing.opcodes`): unchanged text keeps its
spans, text the new revision inserts or rewrites belongs to its author. A restore copies the
restored revision's spans, so text keeps its first author however often it comes back.

From the spans: the share of a text each side wrote (zh characters without spaces, en words, as in
:mod:`zhimei.desk.labels.edit_ratio`), provenance per sentence, and which stretches are quoted
verbatim from a source (the copying flags of the revision's verification).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from zhimei.checks.text import split_sentences
from zhimei.desk.diffing import Opcode
from zhimei.records import Flag, Lang, ProvenanceSpan

__all__ = [
    "Segment",
    "Shares",
    "carry_spans",
    "model_spans",
    "segments",
    "sentence_spans",
    "shares",
]

_EN_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def model_spans(text: str, generation_id: str, revision: int) -> tuple[ProvenanceSpan, ...]:
    """The provenance of a text the model wrote in full."""
    if not text:
        return ()
    return (ProvenanceSpan(start=0, end=len(text), origin="model", by=generation_id, revision=revision),)


def _merge(spans: Iterable[ProvenanceSpan]) -> tuple[ProvenanceSpan, ...]:
    out: list[ProvenanceSpan] = []
    for span in spans:
        if span.end <= span.start:
            continue
        last = out[-1] if out else None
        if (
            last is not None
            and last.end == span.start
            and (last.origin, last.by, last.revision) == (span.origin, span.by, span.revision)
        ):
            out[-1] = last.model_copy(update={"end": span.end})
        else:
            out.append(span)
    return tuple(out)


def carry_spans(
    parent: Sequence[ProvenanceSpan],
    ops: Sequence[Opcode],
    author: str,
    revision: int,
    origin: Literal["model", "human"] = "human",
) -> tuple[ProvenanceSpan, ...]:
    """The spans of a new text made from its parent by ``ops``; new text is ``author``'s: a person,
    or (``origin="model"``) the generation that rewrote part of the text."""
    out: list[ProvenanceSpan] = []
    k = 0
    for op in ops:
        if op.tag == "equal":
            shift = op.b1 - op.a1
            while k < len(parent) and parent[k].end <= op.a1:
                k += 1
            j = k
            while j < len(parent) and parent[j].start < op.a2:
                span = parent[j]
                start, end = max(span.start, op.a1), min(span.end, op.a2)
                if end > start:
                    out.append(span.model_copy(update={"start": start + shift, "end": end + shift}))
                j += 1
        elif op.b2 > op.b1:
            out.append(ProvenanceSpan(start=op.b1, end=op.b2, origin=origin, by=author, revision=revision))
    return _merge(out)


@dataclass(frozen=True)
class Shares:
    """How many units (zh characters without spaces, en words) of a text each side wrote."""

    model: int
    human: int

    @property
    def total(self) -> int:
        return self.model + self.human

    @property
    def human_ratio(self) -> float:
        """The share the editors wrote, 0-1 (0.0 for a text without units)."""
        return round(self.human / self.total, 4) if self.total else 0.0


def _unit_starts(text: str, lang: Lang, start: int = 0, end: int | None = None) -> list[int]:
    end = len(text) if end is None else end
    if lang == "zh":
        return [i for i in range(start, end) if not text[i].isspace()]
    return [m.start() + start for m in _EN_WORD.finditer(text[start:end])]


def shares(
    text: str, spans: Sequence[ProvenanceSpan], lang: Lang, start: int = 0, end: int | None = None
) -> Shares:
    """Units of ``text[start:end]`` written by the model and by people, by the spans."""
    model = human = 0
    k = 0
    for pos in _unit_starts(text, lang, start, end):
        while k < len(spans) and spans[k].end <= pos:
            k += 1
        if k < len(spans) and spans[k].start <= pos and spans[k].origin == "model":
            model += 1
        else:
            human += 1
    return Shares(model, human)


def sentence_spans(text: str, lang: Lang) -> list[tuple[int, int]]:
    """Character offsets ``[start, end)`` of each sentence of ``text``."""
    out = []
    pos = 0
    for sentence in split_sentences(text, lang):
        at = text.find(sentence, pos)
        if at < 0:  # cannot happen for split_sentences' stripped pieces; stay total anyway
            continue
        out.append((at, at + len(sentence)))
        pos = at + len(sentence)
    return out


@dataclass(frozen=True)
class Segment:
    """A stretch of text with one author, and the copying flag it lies in (quoted from a source)."""

    start: int
    end: int
    origin: str
    by: str
    revision: int
    quoted: str | None = None


def segments(spans: Sequence[ProvenanceSpan], copying: Sequence[Flag] = ()) -> list[Segment]:
    """The spans cut at the edges of copying flags, each marked with the flag's detail when quoted."""
    cuts = sorted({b for f in copying for b in (f.start, f.end)})
    out = []
    for span in spans:
        edges = [span.start, *[c for c in cuts if span.start < c < span.end], span.end]
        for a, b in itertools.pairwise(edges):
            quoted = next((f.detail for f in copying if f.start <= a and b <= f.end), None)
            out.append(Segment(a, b, span.origin, span.by, span.revision, quoted))
    return out
