"""Rewrite a draft in a house style (concise, formal, lively) without changing its facts.

A rewrite keeps the language and every figure of the draft (concise may drop minor figures but
never invents one) and must actually differ from it: a copy is not a rewrite.
"""

from __future__ import annotations

from typing import ClassVar

from zhimei.checks.text import check_length, text_length
from zhimei.records import ArticleInput, CheckResult, Lang, TaskOutput, TaskParams
from zhimei.tasks.base import (
    Task,
    article_source,
    figures_kept_check,
    grounding_check,
    lang_check,
    links_check,
    require_text,
)
from zhimei.tasks.overlap import rouge_l

__all__ = ["RewriteTask"]

DEFAULT_STYLE = "concise"
# Length of the rewrite relative to the draft: (target, lowest, highest).
_LENGTH = {"concise": (0.6, 0.3, 0.85), "formal": (1.0, 0.7, 1.3), "lively": (1.0, 0.7, 1.3)}
# ROUGE-L F1 with the draft above this means the text was handed back nearly unchanged.
_COPY_LIMIT = 0.9
_TOKENS_PER_UNIT = {"zh": 1.3, "en": 1.8}


class RewriteTask(Task[ArticleInput]):
    id: ClassVar[str] = "rewrite"
    input_type: ClassVar[type] = ArticleInput
    params: ClassVar[frozenset[str]] = frozenset({"style", "length"})

    def style(self, params: TaskParams) -> str:
        return params.style or DEFAULT_STYLE

    def bounds(self, inp: ArticleInput, params: TaskParams) -> tuple[int, int, int]:
        """(target, lowest, highest) length of the rewrite, in zh characters or en words."""
        size = text_length(inp.text, inp.lang)
        if params.length is not None:
            return params.length, round(params.length * 0.7), round(params.length * 1.2)
        target, low, high = _LENGTH[self.style(params)]
        return max(1, round(size * target)), max(1, round(size * low)), max(1, round(size * high))

    def max_tokens(self, inp: ArticleInput, params: TaskParams) -> int:
        _, _, high = self.bounds(inp, params)
        return min(4096, 64 + round(high * _TOKENS_PER_UNIT[inp.lang]))

    def source_text(self, inp: ArticleInput) -> str:
        return article_source(inp)

    def context(self, inp: ArticleInput, params: TaskParams) -> dict[str, object]:
        target, low, high = self.bounds(inp, params)
        return {
            "article": inp.text,
            "style": self.style(params),
            "length": target,
            "limit": high,
            "floor": low,
        }

    def parse(self, raw: str, lang: Lang) -> TaskOutput:
        cleaned = self.clean(raw, lang)
        paragraphs = [ln.strip() for ln in cleaned.splitlines() if ln.strip()]
        return TaskOutput(text=require_text("\n\n".join(paragraphs), "rewrite"))

    def check(self, output: TaskOutput, inp: ArticleInput, params: TaskParams) -> tuple[CheckResult, ...]:
        lang = inp.lang
        _, low, high = self.bounds(inp, params)
        source = self.source_text(inp)
        checks = [
            check_length(output.text, lang, high, low),
            lang_check(output.text, lang),
            self._rewritten(output.text, inp),
            grounding_check(output.text, source),
            links_check(output.text, source),
        ]
        if self.style(params) != "concise":
            checks.insert(3, figures_kept_check(output.text, inp.text))
        return tuple(checks)

    def _rewritten(self, value: str, inp: ArticleInput) -> CheckResult:
        similarity = rouge_l(value, inp.text, inp.lang)
        passed = similarity <= _COPY_LIMIT
        detail = f"ROUGE-L with the draft {similarity:.2f}" + (
            "" if passed else f", above {_COPY_LIMIT}: a copy"
        )
        return CheckResult(name="rewritten", passed=passed, detail=detail)
