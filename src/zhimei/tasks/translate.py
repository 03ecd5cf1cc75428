"""Translation zh ↔ en that keeps every figure and every Latin-script name.

Figures are compared by value, not by spelling, so 1.2亿 ↔ 120 million and 百分之五点三 ↔ 5.3%
pass; a figure the source has and the translation lacks fails, and so does one it invents.
"""

from __future__ import annotations

import re
from typing import ClassVar

from zhimei.checks import numbers
from zhimei.checks.render import figure_glossary, localise_figures
from zhimei.checks.text import text_length
from zhimei.errors import InputError
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

__all__ = ["TranslateTask"]

# Output length over source length (en words per zh character, zh characters per en word). News
# translations measured on parallel text sit near 0.6 and 1.7; the bands catch a dropped paragraph
# or a summary passed off as a translation without failing a terse or wordy rendering.
_RATIO_BAND = {("zh", "en"): (0.3, 1.1), ("en", "zh"): (0.9, 3.3)}
# Tokens per unit of source length, with room: a translation is about as long as its source.
_TOKENS_PER_UNIT = {"zh": 1.3, "en": 2.4}
# Acronyms and Latin-script names inside Chinese text (NASA, iPhone, Elon Musk) stay as written.
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_NAME = re.compile(r"(?<![A-Za-z])[A-Z][A-Za-z0-9&.-]*(?:\s+[A-Z][A-Za-z0-9&.-]*)*")


class TranslateTask(Task[ArticleInput]):
    id: ClassVar[str] = "translate"
    input_type: ClassVar[type] = ArticleInput
    params: ClassVar[frozenset[str]] = frozenset({"target_lang"})

    def validate(self, inp: ArticleInput, params: TaskParams) -> None:
        super().validate(inp, params)
        if self.output_lang(inp, params) == inp.lang:
            raise InputError(
                f"the text is already in {inp.lang}", "give --to the other language (zh or en), or --lang"
            )

    def output_lang(self, inp: ArticleInput, params: TaskParams) -> Lang:
        if params.target_lang is not None:
            return params.target_lang
        return "en" if inp.lang == "zh" else "zh"

    def max_tokens(self, inp: ArticleInput, params: TaskParams) -> int:
        size = text_length(self.source_text(inp), inp.lang)
        return min(4096, 64 + round(size * _TOKENS_PER_UNIT[inp.lang]))

    def source_text(self, inp: ArticleInput) -> str:
        return article_source(inp)

    def context(self, inp: ArticleInput, params: TaskParams) -> dict[str, object]:
        target = self.output_lang(inp, params)
        figures = figure_glossary(numbers.extract_quantities(self.source_text(inp)), target)
        # The model sees the source with figures already written the target's way (4800万美元 for
        # $48 million): copying a figure is reliable, converting one is not. Checks use the original.
        return {
            "article": localise_figures(inp.text, numbers.extract_quantities(inp.text), target),
            "title": inp.title and localise_figures(inp.title, numbers.extract_quantities(inp.title), target),
            "latin_names": self._latin_names(inp),
            "figures": [f"{src} = {dst}" for src, dst in figures],
        }

    def _latin_names(self, inp: ArticleInput) -> list[str]:
        if inp.lang != "zh":
            return []
        found = (m.group(0).rstrip(".-") for m in _LATIN_NAME.finditer(self.source_text(inp)))
        return list(dict.fromkeys(n for n in found if len(n) > 1))

    def parse(self, raw: str, lang: Lang) -> TaskOutput:
        cleaned = self.clean(raw, lang)
        paragraphs = [ln.strip() for ln in cleaned.splitlines() if ln.strip()]
        return TaskOutput(text=require_text("\n\n".join(paragraphs), "translation"))

    def check(self, output: TaskOutput, inp: ArticleInput, params: TaskParams) -> tuple[CheckResult, ...]:
        target = self.output_lang(inp, params)
        source = self.source_text(inp)
        return (
            self._completeness(output.text, source, inp.lang, target),
            lang_check(output.text, target),
            self._untranslated(output.text, target),
            figures_kept_check(output.text, source),
            self._names_kept(output.text, inp),
            grounding_check(output.text, source),
            links_check(output.text, source),
        )

    def _completeness(self, value: str, source: str, src: Lang, dst: Lang) -> CheckResult:
        low, high = _RATIO_BAND[(src, dst)]
        ratio = text_length(value, dst) / max(1, text_length(source, src))
        unit = "words per character" if dst == "en" else "characters per word"
        passed = low <= ratio <= high
        detail = f"{ratio:.2f} {unit}, expected {low}–{high}"
        if not passed:
            detail += " (a part is missing)" if ratio < low else " (more than the source says)"
        return CheckResult(name="completeness", passed=passed, detail=detail)

    def _untranslated(self, value: str, target: Lang) -> CheckResult:
        """An English translation carries no Chinese characters (a phrase the model left as it was)."""
        left = list(dict.fromkeys(m.group(0) for m in _HAN_RUN.finditer(value))) if target == "en" else []
        if not left:
            return CheckResult(name="untranslated", passed=True, detail="everything is translated")
        return CheckResult(name="untranslated", passed=False, detail=f"left in Chinese: {', '.join(left)}")

    def _names_kept(self, value: str, inp: ArticleInput) -> CheckResult:
        missing = [n for n in self._latin_names(inp) if n.lower() not in value.lower()]
        if not missing:
            return CheckResult(name="names_kept", passed=True, detail="Latin-script names kept as written")
        return CheckResult(name="names_kept", passed=False, detail=f"names missing: {', '.join(missing)}")
