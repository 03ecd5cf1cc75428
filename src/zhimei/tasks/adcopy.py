"""Ad and product copy from attributes: every attribute value realised, none invented.

A value with digits (5000mAh, 999元, 2026年) counts as realised when its figures are in the copy,
compared by value; other short values must appear as written. Long free-text values (a
description) are material, not slots to fill.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from zhimei.checks import numbers
from zhimei.checks.text import check_length
from zhimei.records import CheckResult, Lang, RecordInput, TaskOutput, TaskParams
from zhimei.tasks.base import Task, grounding_check, lang_check, links_check, require_text
from zhimei.tasks.brief import record_lines

__all__ = ["AdcopyTask", "attribute_values"]

DEFAULT_LENGTH = {"zh": 100, "en": 60}
MIN_LENGTH = {"zh": 20, "en": 10}
# Values longer than this are descriptions to draw on, not slots the copy must repeat.
_SLOT_MAX = 30
_MAX_SLOTS = 12


def attribute_values(data: dict[str, Any]) -> dict[str, str]:
    """The short attribute values the copy must realise, keyed by ``field`` or ``field[i]``."""
    slots: dict[str, str] = {}
    for key, value in data.items():
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, bool) or item is None or isinstance(item, dict):
                continue
            text = str(item).strip()
            if text and len(text) <= _SLOT_MAX:
                slots[f"{key}[{i}]" if isinstance(value, list) else str(key)] = text
    return dict(list(slots.items())[:_MAX_SLOTS])


def _near(word: str, words: set[str]) -> bool:
    """``word`` or a spelling one edit away (colour/color, grey/gray) among ``words``."""
    if word in words or len(word) < 5:
        return word in words
    return any(abs(len(w) - len(word)) <= 1 and _one_edit(word, w) for w in words)


def _one_edit(a: str, b: str) -> bool:
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def _realised(value: str, copy: str) -> bool:
    if any(q.checked for q in numbers.extract_quantities(value)):
        return not numbers.ungrounded(value, copy)
    if value.casefold() in copy.casefold():
        return True
    # English values also count word by word, allowing one-letter spelling variants.
    words = re.findall(r"[a-z0-9]+", value.casefold())
    copy_words = set(re.findall(r"[a-z0-9]+", copy.casefold()))
    return bool(words) and all(_near(w, copy_words) for w in words)


class AdcopyTask(Task[RecordInput]):
    id: ClassVar[str] = "adcopy"
    input_type: ClassVar[type] = RecordInput
    default_max_tokens: ClassVar[int] = 300

    def limit(self, lang: Lang, params: TaskParams) -> int:
        return params.length or DEFAULT_LENGTH[lang]

    def source_text(self, inp: RecordInput) -> str:
        return "\n".join(record_lines(inp.data))

    def context(self, inp: RecordInput, params: TaskParams) -> dict[str, object]:
        return {
            "lines": record_lines(inp.data),
            "values": list(attribute_values(inp.data).values()),
            "limit": self.limit(inp.lang, params),
        }

    def parse(self, raw: str, lang: Lang) -> TaskOutput:
        cleaned = self.clean(raw, lang)
        lines = [ln.strip() for ln in cleaned.splitlines() if ln.strip()]
        return TaskOutput(text=require_text("\n".join(lines), "ad copy"))

    def check(self, output: TaskOutput, inp: RecordInput, params: TaskParams) -> tuple[CheckResult, ...]:
        lang = inp.lang
        missing = [v for v in attribute_values(inp.data).values() if not _realised(v, output.text)]
        realised = CheckResult(
            name="attributes",
            passed=not missing,
            detail="every attribute value is in the copy"
            if not missing
            else f"missing: {', '.join(missing)}",
        )
        source = self.source_text(inp)
        return (
            check_length(output.text, lang, self.limit(lang, params), MIN_LENGTH[lang]),
            lang_check(output.text, lang),
            realised,
            grounding_check(output.text, source),
            links_check(output.text, source),
        )
