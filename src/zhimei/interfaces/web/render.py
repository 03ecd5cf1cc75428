"""Turning records into safe HTML: the Jinja2 environment (autoescape always on) and the pieces
built in Python — the text highlighted by who wrote it and by verification flags, the diff
coloured by author, and publication previews sanitised with nh3.

Everything that came from a model, a source or a person is escaped here before it is wrapped
in markup; nothing is ever marked safe without being escaped or sanitised first.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from zhimei.desk.views import Change, FlagView, SentenceProvenance
from zhimei.errors import ExtraMissingError
from zhimei.records import ProvenanceSpan

__all__ = [
    "TEMPLATES",
    "diff_html",
    "environment",
    "highlighted",
    "sanitised_html",
    "sentence_flags",
    "unified_html",
]

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Environment:
    """The studio's Jinja2 environment: templates from the package, every value autoescaped."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["when"] = _when
    return env


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _author(span: ProvenanceSpan) -> str:
    return f"model:{span.by[:12]}" if span.origin == "model" else span.by


def highlighted(text: str, spans: Sequence[ProvenanceSpan], flags: Sequence[FlagView]) -> Markup:
    """``text`` as HTML, each stretch marked as written by the model or a person, flagged stretches
    marked with their kind and severity, each flag's first stretch anchored as ``flag-at-ID`` (all text
    escaped)."""
    cuts = {0, len(text)}
    for span in spans:
        cuts.update((min(span.start, len(text)), min(span.end, len(text))))
    for view in flags:
        cuts.update((min(view.flag.start, len(text)), min(view.flag.end, len(text))))
    edges = sorted(cuts)
    parts = []
    anchored: set[str] = set()
    for start, end in itertools.pairwise(edges):
        if start >= end:
            continue
        owner = next((s for s in spans if s.start <= start < s.end), None)
        origin = owner.origin if owner else "human"
        classes = ["seg", "seg-ai" if origin == "model" else "seg-human"]
        title = [_author(owner)] if owner else []
        hits = [v for v in flags if v.flag.start <= start < v.flag.end]
        for view in hits:
            if view.flag.id not in anchored:  # where the flag list's links jump to
                anchored.add(view.flag.id)
                parts.append(Markup('<span class="anchor" id="flag-at-{}"></span>').format(view.flag.id))
            classes += ["flagged", f"flag-{view.flag.severity}"]
            title.append(f"{view.flag.kind}/{view.flag.category}: {view.flag.detail}")
        parts.append(
            Markup('<span class="{}" title="{}">{}</span>').format(
                " ".join(dict.fromkeys(classes)), "; ".join(title), text[start:end]
            )
        )
    return Markup("").join(parts)


def sentence_flags(
    sentences: Sequence[SentenceProvenance], flags: Sequence[FlagView]
) -> list[list[FlagView]]:
    """The flags inside each sentence."""
    return [[v for v in flags if v.flag.start < s.end and v.flag.end > s.start] for s in sentences]


def diff_html(changes: Sequence[Change]) -> Markup:
    """The changes between two revisions: removed text struck through, new text coloured by who
    wrote it (the model or a person)."""
    rows = []
    for change in changes:
        by_model = any(b.startswith("model:") for b in change.by)
        who = "diff-ai" if by_model else "diff-human"
        old = Markup('<del class="diff-del">{}</del>').format(change.old) if change.old else Markup("")
        new = (
            Markup('<ins class="diff-ins {}">{}</ins>').format(who, change.new) if change.new else Markup("")
        )
        by = ", ".join(b if not b.startswith("model:") else "AI " + b[6:18] for b in change.by)
        rows.append(
            Markup('<li class="diff-change diff-{}">{}{} <small class="diff-by">{}</small></li>').format(
                change.tag, old, new, by
            )
        )
    return Markup('<ol class="diff-changes">{}</ol>').format(Markup("").join(rows))


def unified_html(unified: str) -> Markup:
    """A unified diff, each line coloured as added, removed or context (escaped)."""
    lines = []
    for line in unified.splitlines():
        kind = "add" if line.startswith("+") and not line.startswith("+++") else ""
        kind = "del" if line.startswith("-") and not line.startswith("---") else kind
        lines.append(Markup('<span class="u-line {}">{}</span>').format(kind, line))
    return Markup('<pre class="unified">{}</pre>').format(Markup("\n").join(lines))


def sanitised_html(fragment: str) -> Markup:
    """Untrusted HTML (a rendered publication) reduced by nh3 to harmless markup."""
    try:
        import nh3
    except ImportError as exc:
        raise ExtraMissingError("nh3", "web") from exc
    # nh3 drops scripts, event handlers, styles and javascript: URLs; links get rel=noopener.
    return Markup(
        nh3.clean(fragment, tags=_PREVIEW_TAGS, attributes={"a": {"href", "title"}, "p": {"class"}})
    )


_PREVIEW_TAGS = {
    "a",
    "abbr",
    "article",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
