"""Brief from data: a short news item from one record (JSON object or table row)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from zhimei.checks.text import check_length
from zhimei.records import CheckResult, Lang, RecordInput, TaskOutput, TaskParams
from zhimei.tasks.base import Task, grounding_check, lang_check, require_text

__all__ = ["BriefTask", "record_lines"]

DEFAULT_LENGTH = {"zh": 160, "en": 110}
_MAX_LINES = 400


def _flatten(value: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _flatten(inner, f"{prefix}[{i}]")
    elif value is None or value == "":
        return
    else:
        yield prefix, str(value)


def record_lines(data: dict[str, Any]) -> list[str]:
    """The record as ``key: value`` lines, nested keys dotted; empty values dropped."""
    return [f"{k}: {v}" for k, v in _flatten(data, "")][:_MAX_LINES]


def default_required(data: dict[str, Any]) -> tuple[str, ...]:
    """Without explicit fields, the first two short names (text values without digits) in the record.

    Values with digits (dates, scores, amounts) are left to the grounding check, which compares them
    after normalisation, instead of demanding them verbatim.
    """
    keys = [
        k
        for k, v in data.items()
        if isinstance(v, str) and 0 < len(v) <= 40 and not any(ch.isdigit() for ch in v)
    ]
    return tuple(keys[:2])


class BriefTask(Task[RecordInput]):
    id: ClassVar[str] = "brief"
    input_type: ClassVar[type] = RecordInput
    default_max_tokens: ClassVar[int] = 360
    params: ClassVar[frozenset[str]] = frozenset({"length", "required"})

    def limit(self, lang: Lang, params: TaskParams) -> int:
        return params.length or DEFAULT_LENGTH[lang]

    def required(self, inp: RecordInput, params: TaskParams) -> dict[str, str]:
        keys = params.required or default_required(inp.data)
        return {k: str(inp.data[k]) for k in keys if k in inp.data}

    def source_text(self, inp: RecordInput) -> str:
        return "\n".join(record_lines(inp.data))

    def context(self, inp: RecordInput, params: TaskParams) -> dict[str, object]:
        return {
            "lines": record_lines(inp.data),
            "limit": self.limit(inp.lang, params),
            "required": list(self.required(inp, params).values()),
        }

    def parse(self, raw: str, lang: Lang) -> TaskOutput:
        cleaned = self.clean(raw, lang)
        paragraphs = [ln.strip() for ln in cleaned.splitlines() if ln.strip()]
        return TaskOutput(text=require_text("\n".join(paragraphs), "brief"))

    def check(self, output: TaskOutput, inp: RecordInput, params: TaskParams) -> tuple[CheckResult, ...]:
        lang = inp.lang
        missing = [v for v in self.required(inp, params).values() if v.lower() not in output.text.lower()]
        fields = CheckResult(
            name="required_fields",
            passed=not missing,
            detail="mentions every required value" if not missing else f"missing: {', '.join(missing)}",
        )
        return (
            check_length(output.text, lang, self.limit(lang, params)),
            lang_check(output.text, lang),
            fields,
            grounding_check(output.text, self.source_text(inp)),
        )
