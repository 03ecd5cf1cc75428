"""The Task contract and the parts every task shares.

A task builds a chat request from a typed input, parses the model's reply (raising, never
guessing), checks the parsed output against its input, and scores it against a reference.
Released prompt versions are never edited: a change is a new version and a new template file.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from typing import ClassVar, Generic, TypeVar

import jinja2

from zhimei import registry
from zhimei.checks import numbers, text
from zhimei.errors import InputError, ParseError
from zhimei.records import (
    ArticleInput,
    Attempt,
    CheckResult,
    GenerationOptions,
    GenerationRequest,
    Lang,
    Message,
    RecordInput,
    SourcesInput,
    TaskOutput,
    TaskParams,
)
from zhimei.tasks.overlap import rouge_l

__all__ = [
    "Task",
    "article_source",
    "figures_kept_check",
    "get_task",
    "grounding_check",
    "lang_check",
    "links_check",
    "strip_numbering",
    "task_names",
]

In = TypeVar("In", ArticleInput, RecordInput, SourcesInput)


@functools.cache
def _environment() -> jinja2.Environment:
    # Prompts are plain text, not HTML: autoescape would corrupt quotes in source documents.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("zhimei.tasks", "prompts"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _render_block(template: jinja2.Template, block: str, context: dict[str, object]) -> str:
    return "".join(template.blocks[block](template.new_context(context))).strip()


class Task(ABC, Generic[In]):
    """One writing task. Subclasses set ``id``, ``version``, ``input_type`` and the four verbs."""

    id: ClassVar[str]
    version: ClassVar[str] = "v1"
    input_type: ClassVar[type]
    default_max_tokens: ClassVar[int] = 256
    # The TaskParams fields this task reads; any other one given is refused, not ignored.
    params: ClassVar[frozenset[str]] = frozenset({"length"})

    @property
    def prompt_version(self) -> str:
        return f"{self.id}.{self.version}"

    def validate(self, inp: In, params: TaskParams) -> None:
        """Refuse parameters this task does not read (InputError); subclasses add their own rules."""
        unknown = sorted(params.model_fields_set - self.params)
        if unknown:
            known = ", ".join(sorted(self.params)) or "none"
            raise InputError(
                f"task {self.id} does not take {', '.join(unknown)}", f"its parameters are: {known}"
            )

    def output_lang(self, inp: In, params: TaskParams) -> Lang:
        """The language the output is written in (the input's, except for translation)."""
        return inp.lang

    def max_tokens(self, inp: In, params: TaskParams) -> int:
        """The reply token budget when the caller sets none."""
        return self.default_max_tokens

    def template(self, lang: Lang) -> jinja2.Template:
        return _environment().get_template(f"{self.id}.{self.version}.{lang}.j2")

    @abstractmethod
    def context(self, inp: In, params: TaskParams) -> dict[str, object]:
        """Variables the prompt template needs."""

    def build(self, inp: In, params: TaskParams, options: GenerationOptions) -> GenerationRequest:
        """The chat request for ``inp``: system instructions, then the source as delimited data."""
        template = self.template(self.output_lang(inp, params))
        ctx = self.context(inp, params)
        return GenerationRequest(
            messages=(
                Message(role="system", content=_render_block(template, "system", ctx)),
                Message(role="user", content=_render_block(template, "user", ctx)),
            ),
            options=options,
        )

    def corrective(self, inp: In, params: TaskParams, last: Attempt) -> str:
        """The follow-up instruction after ``last`` failed checks: what failed, with its figures."""
        failed = last.failed
        out = last.output.text if last.output else ""
        lang = self.output_lang(inp, params)
        missing = numbers.ungrounded(out, self.source_text(inp))
        ctx = {
            **self.context(inp, params),
            "names": {c.name for c in failed},
            "details": [c.detail or c.name for c in failed],
            "detail": {c.name: c.detail or c.name for c in failed},
            "current": text.text_length(out, lang),
            "ungrounded": list(dict.fromkeys(q.surface for q in missing)),
            **self.retry_context(inp, params, last),
        }
        return _render_block(self.template(lang), "retry", ctx)

    def retry_context(self, inp: In, params: TaskParams, last: Attempt) -> dict[str, object]:
        """Extra variables the retry block of this task's template needs."""
        return {}

    @abstractmethod
    def source_text(self, inp: In) -> str:
        """The text every fact of the output must come from."""

    def clean(self, raw: str, lang: Lang) -> str:
        """Post-process a reply: template leftovers, repeated sentences, punctuation."""
        cleaned = text.strip_model_leftovers(raw)
        cleaned = text.drop_repeated_sentences(cleaned, lang)
        return text.normalise_punctuation(cleaned, lang).strip()

    @abstractmethod
    def parse(self, raw: str, lang: Lang) -> TaskOutput:
        """The task output in ``raw``; raises ParseError when there is none."""

    def fit(self, output: TaskOutput, inp: In, params: TaskParams) -> TaskOutput:
        """A structural edit of a parsed output to its parameters (default: none).

        Only whole parts the model wrote may be dropped, and the output records what was cut.
        """
        return output

    @abstractmethod
    def check(self, output: TaskOutput, inp: In, params: TaskParams) -> tuple[CheckResult, ...]:
        """Every check of ``output`` against its input: format, length, language, grounding."""

    def score(self, output: TaskOutput, reference: str, lang: Lang) -> dict[str, float]:
        """Similarity to a human reference (ROUGE-L F1 over characters for zh, words for en)."""
        return {"rouge_l": rouge_l(output.text, reference, lang)}


# List markers a model puts before lines: "1. ", "2、", "(3)", "- ", "•"; never the "1." of "1.2亿".
_NUMBERING = re.compile(r"^\s*(?:[-*•]\s*|\d{1,2}(?:\.(?!\d)|[)、])\s*|[（(]\d{1,2}[)）]\s*)")


def strip_numbering(line: str) -> str:
    """``line`` without a leading list marker."""
    return _NUMBERING.sub("", line, count=1).strip()


def require_text(value: str, what: str) -> str:
    """``value`` stripped, or ParseError if nothing is left."""
    value = value.strip()
    if not value:
        raise ParseError(f"the model returned no {what}")
    return value


def lang_check(value: str, lang: Lang) -> CheckResult:
    found = text.detect_lang(value)
    return CheckResult(name="language", passed=found == lang, detail=f"written in {found}, required {lang}")


def grounding_check(value: str, source: str) -> CheckResult:
    missing = numbers.ungrounded(value, source)
    if not missing:
        return CheckResult(
            name="grounded_numbers", passed=True, detail="every number appears in the source", critical=True
        )
    listed = ", ".join(dict.fromkeys(q.surface for q in missing))
    return CheckResult(
        name="grounded_numbers", passed=False, detail=f"numbers not in the source: {listed}", critical=True
    )


def figures_kept_check(value: str, source: str) -> CheckResult:
    """Every checked figure of ``source`` is still in ``value`` (translations, faithful rewrites)."""
    dropped = numbers.ungrounded(source, value)
    if not dropped:
        return CheckResult(name="figures_kept", passed=True, detail="every number of the source is kept")
    listed = ", ".join(dict.fromkeys(q.surface for q in dropped))
    return CheckResult(name="figures_kept", passed=False, detail=f"numbers of the source missing: {listed}")


_LINK = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'，。）)]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def links_check(value: str, source: str) -> CheckResult:
    """No URL or e-mail address that the source does not contain (a model must not add links)."""
    known = {m.group(0).rstrip(".").lower() for m in _LINK.finditer(source)}
    extra = [
        m.group(0).rstrip(".") for m in _LINK.finditer(value) if m.group(0).rstrip(".").lower() not in known
    ]
    if not extra:
        return CheckResult(name="links", passed=True, detail="no link that the source lacks", critical=True)
    return CheckResult(
        name="links", passed=False, detail=f"links not in the source: {', '.join(extra)}", critical=True
    )


def article_source(inp: ArticleInput) -> str:
    return inp.text if not inp.title else f"{inp.title}\n{inp.text}"


def get_task(name: str) -> Task[ArticleInput] | Task[RecordInput] | Task[SourcesInput]:
    """The task registered as ``name``."""
    cls = registry.load(registry.TASKS, name)
    task: Task[ArticleInput] | Task[RecordInput] | Task[SourcesInput] = cls()
    return task


def task_names() -> list[str]:
    return sorted(registry.available(registry.TASKS))
