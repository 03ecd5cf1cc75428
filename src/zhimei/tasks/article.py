"""Article from several sources: a headline and paragraphs, each paragraph citing its sources as [n].

Citations are checked, not trusted: every paragraph must cite, every [n] must name a source, and
every number in a paragraph must appear in one of the sources that paragraph cites.
"""

from __future__ import annotations

import re
from typing import ClassVar

from zhimei.checks import numbers
from zhimei.checks.text import check_length, text_length
from zhimei.records import Attempt, CheckResult, Lang, SourcesInput, TaskOutput, TaskParams
from zhimei.tasks.base import (
    Task,
    article_source,
    grounding_check,
    lang_check,
    links_check,
    require_text,
    strip_numbering,
)

__all__ = ["ArticleTask", "strip_citations"]

DEFAULT_LENGTH = {"zh": 400, "en": 250}
_OVER, _UNDER = 1.3, 0.5
_PER_PARAGRAPH = {"zh": 120, "en": 70}
_TITLE_MAX = {"zh": 40, "en": 20}
# [1], [1][2], [1, 2], [1,3], 【1】 — the model writes any of these.
_CITATION = re.compile(r"[\[【]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]】]")
_HEADING = re.compile(r"^(?:#+\s*|标题[:：]\s*|title:\s*|headline:\s*)", re.IGNORECASE)
# Scaffolding the model writes around the text: "#### Paragraph 2:", "**正文**", "第三段：".
_LABEL = re.compile(
    r"^[#*\s]*(?:正文|body|article|headline|title|标题|paragraph\s*\d+|段落\s*\d+|第[一二三四五六七八九十\d]+段)"
    r"[*\s]*[:：]?[*\s]*$",
    re.IGNORECASE,
)
# A closing list of sources repeats what the prompt gave; everything from its heading on is dropped.
_SOURCES_HEADING = re.compile(
    r"^[#*\s]*(?:sources|references|参考资料|资料来源|信息来源|来源|参考文献|引用)[*\s]*[:：]?[*\s]*$",
    re.IGNORECASE,
)


def strip_citations(text: str) -> str:
    """``text`` without its [n] markers (for lengths, reading and publishing without notes)."""
    return re.sub(r"[ \t]+([，。,.;；!?！？])", r"\1", _CITATION.sub("", text)).strip()


def _cited(paragraph: str) -> list[int]:
    found: list[int] = []
    for m in _CITATION.finditer(paragraph):
        found.extend(int(n) for n in re.split(r"\s*[,，、]\s*", m.group(1)))
    return list(dict.fromkeys(found))


def _normalise_citations(paragraph: str) -> str:
    return _CITATION.sub(lambda m: "".join(f"[{n}]" for n in _cited(m.group(0))), paragraph)


class ArticleTask(Task[SourcesInput]):
    id: ClassVar[str] = "article"
    input_type: ClassVar[type] = SourcesInput
    default_max_tokens: ClassVar[int] = 900

    def target(self, lang: Lang, params: TaskParams) -> int:
        return params.length or DEFAULT_LENGTH[lang]

    def source_text(self, inp: SourcesInput) -> str:
        return "\n\n".join(article_source(s) for s in inp.sources)

    def context(self, inp: SourcesInput, params: TaskParams) -> dict[str, object]:
        target = self.target(inp.lang, params)
        return {
            "sources": [{"n": i, "title": s.title, "text": s.text} for i, s in enumerate(inp.sources, 1)],
            "count": len(inp.sources),
            "length": target,
            "limit": round(target * _OVER),
            "paragraphs": max(2, min(8, round(target / _PER_PARAGRAPH[inp.lang]))),
        }

    def retry_context(self, inp: SourcesInput, params: TaskParams, last: Attempt) -> dict[str, object]:
        if last.output is None:
            return {"current": 0, "unused": []}
        body = "\n".join(last.output.fields.get("paragraphs", []))
        return {
            "current": text_length(strip_citations(body), inp.lang),
            "unused": self._unused(last.output, inp),
        }

    def parse(self, raw: str, lang: Lang) -> TaskOutput:
        lines = [ln.strip() for ln in self.clean(raw, lang).splitlines() if ln.strip()]
        end = next((i for i, ln in enumerate(lines) if _SOURCES_HEADING.match(ln)), len(lines))
        lines = [ln for ln in lines[:end] if not _LABEL.match(ln) and _CITATION.sub("", ln).strip()]
        title = ""
        if lines and (_HEADING.match(lines[0]) or self._looks_like_title(lines, lang)):
            title = _HEADING.sub("", lines.pop(0)).strip().strip("*").strip()
            while lines and _HEADING.sub("", lines[0]).strip().strip("*").strip() == title:
                lines.pop(0)  # the title again, under a label
        paragraphs = [_normalise_citations(strip_numbering(ln)) for ln in lines]
        require_text("\n".join(paragraphs), "article body")
        body = "\n\n".join(paragraphs)
        text = f"{title}\n\n{body}" if title else body
        return TaskOutput(
            text=text,
            fields={
                "title": title,
                "paragraphs": paragraphs,
                "citations": [_cited(p) for p in paragraphs],
            },
        )

    @staticmethod
    def _looks_like_title(lines: list[str], lang: Lang) -> bool:
        first = lines[0]
        short = text_length(first, lang) <= _TITLE_MAX[lang]
        return len(lines) > 1 and short and not _CITATION.search(first) and not first.endswith(("。", "."))

    def _unused(self, output: TaskOutput, inp: SourcesInput) -> list[int]:
        used = {n for cited in output.fields.get("citations", []) for n in cited}
        return [n for n in range(1, len(inp.sources) + 1) if n not in used]

    def check(self, output: TaskOutput, inp: SourcesInput, params: TaskParams) -> tuple[CheckResult, ...]:
        lang = inp.lang
        target = self.target(lang, params)
        paragraphs: list[str] = output.fields.get("paragraphs", [])
        body = strip_citations("\n".join(paragraphs))
        return (
            check_length(body, lang, round(target * _OVER), round(target * _UNDER)),
            lang_check(body, lang),
            self._citations(paragraphs, len(inp.sources)),
            self._cited_support(paragraphs, inp),
            self._sources_used(output, inp),
            grounding_check(strip_citations(output.text), self.source_text(inp)),
            links_check(output.text, self.source_text(inp)),
        )

    def _citations(self, paragraphs: list[str], count: int) -> CheckResult:
        problems = []
        for i, paragraph in enumerate(paragraphs, 1):
            cited = _cited(paragraph)
            if not cited:
                problems.append(f"paragraph {i} cites no source")
            bad = [n for n in cited if not 1 <= n <= count]
            if bad:
                problems.append(
                    f"paragraph {i} cites [{']['.join(map(str, bad))}], there are {count} sources"
                )
        detail = "; ".join(problems) or "every paragraph cites its sources"
        return CheckResult(name="citations", passed=not problems, detail=detail)

    def _cited_support(self, paragraphs: list[str], inp: SourcesInput) -> CheckResult:
        """Numbers found in some source must be in a source their paragraph cites."""
        everything = self.source_text(inp)
        problems = []
        for i, paragraph in enumerate(paragraphs, 1):
            cited = [n for n in _cited(paragraph) if 1 <= n <= len(inp.sources)]
            if not cited:
                continue
            cited_text = "\n".join(article_source(inp.sources[n - 1]) for n in cited)
            claim = strip_citations(paragraph)
            grounded_anywhere = {q.surface for q in numbers.ungrounded(claim, everything)}
            wrong = [
                q.surface for q in numbers.ungrounded(claim, cited_text) if q.surface not in grounded_anywhere
            ]
            if wrong:
                marks = "".join(f"[{n}]" for n in cited)
                problems.append(f"paragraph {i}: {', '.join(dict.fromkeys(wrong))} not in {marks}")
        detail = "; ".join(problems) or "every cited number is in a cited source"
        return CheckResult(name="cited_support", passed=not problems, detail=detail, critical=True)

    def _sources_used(self, output: TaskOutput, inp: SourcesInput) -> CheckResult:
        unused = self._unused(output, inp)
        if not unused:
            return CheckResult(name="sources_used", passed=True, detail="every source is cited")
        listed = "".join(f"[{n}]" for n in unused)
        return CheckResult(name="sources_used", passed=False, detail=f"sources never cited: {listed}")
