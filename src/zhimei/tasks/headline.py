"""Headline: one line, within a length limit, every number from the article."""

from __future__ import annotations

from typing import ClassVar

from zhimei.checks.text import check_length
from zhimei.records import ArticleInput, CheckResult, Lang, TaskOutput, TaskParams
from zhimei.tasks.base import (
    Task,
    article_source,
    grounding_check,
    lang_check,
    require_text,
    strip_numbering,
)

__all__ = ["HeadlineTask"]

DEFAULT_LENGTH = {"zh": 24, "en": 14}
MIN_LENGTH = {"zh": 6, "en": 3}


class HeadlineTask(Task[ArticleInput]):
    id: ClassVar[str] = "headline"
    input_type: ClassVar[type] = ArticleInput
    default_max_tokens: ClassVar[int] = 64

    def limit(self, lang: Lang, params: TaskParams) -> int:
        return params.length or DEFAULT_LENGTH[lang]

    def source_text(self, inp: ArticleInput) -> str:
        return article_source(inp)

    def context(self, inp: ArticleInput, params: TaskParams) -> dict[str, object]:
        return {"article": inp.text, "title": inp.title, "limit": self.limit(inp.lang, params)}

    def parse(self, raw: str, lang: Lang) -> TaskOutput:
        cleaned = self.clean(raw, lang)
        lines = [strip_numbering(ln) for ln in cleaned.splitlines()]
        first = require_text(next((ln for ln in lines if ln), ""), "headline")
        # A headline carries no final full stop in either language.
        return TaskOutput(text=first.rstrip("。.") or first)

    def check(self, output: TaskOutput, inp: ArticleInput, params: TaskParams) -> tuple[CheckResult, ...]:
        lang = inp.lang
        return (
            check_length(output.text, lang, self.limit(lang, params), MIN_LENGTH[lang]),
            lang_check(output.text, lang),
            grounding_check(output.text, self.source_text(inp)),
        )
