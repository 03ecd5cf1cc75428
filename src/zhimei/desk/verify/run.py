"""The one entry point: :func:`verify` a draft against its sources under a :class:`VerifyPolicy`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from zhimei.desk.verify.copying import find_copying
from zhimei.desk.verify.findings import Finding, to_flags
from zhimei.desk.verify.grounding import find_ungrounded_figures
from zhimei.desk.verify.links import find_links, link_spans
from zhimei.desk.verify.names import find_ungrounded_names
from zhimei.desk.verify.pii import find_pii
from zhimei.desk.verify.policy import ALL_CHECKS, VerifyPolicy
from zhimei.desk.verify.spans import SpanSet
from zhimei.desk.verify.terms import find_terms
from zhimei.errors import InputError
from zhimei.records import Lang, Verification

__all__ = ["verify"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_DEFAULT = VerifyPolicy()
_PII_ALL = ("resident_id", "mobile", "email", "bank_card", "address")


def _clean(text: str) -> str:
    # Lone surrogates (text decoded with surrogateescape) cannot be encoded or stored; one code
    # point each becomes U+FFFD, so every offset stays valid.
    return _SURROGATE.sub("\ufffd", text)


def _check_inputs(draft: object, sources: object, lang: object, policy: VerifyPolicy) -> list[str]:
    """The sources as a list, after checking every input (InputError says what is wrong)."""
    if not isinstance(draft, str):
        raise InputError(f"the draft must be text, not {type(draft).__name__}", "pass the draft as a str")
    if isinstance(sources, str | bytes) or not isinstance(sources, Sequence):
        raise InputError("sources must be a sequence of texts", "pass a list of str, one per source")
    texts = list(sources)
    if not all(isinstance(s, str) for s in texts):
        raise InputError("every source must be text", "decode the sources to str first")
    if lang not in ("zh", "en"):
        raise InputError(f"unknown language {lang!r}", "use 'zh' or 'en'")
    if len(draft) > policy.max_chars:
        raise InputError(
            f"the draft has {len(draft):,} characters, more than the {policy.max_chars:,} allowed",
            "split it, or raise VerifyPolicy.max_chars",
        )
    total = sum(len(s) for s in texts)
    if total > policy.max_chars:
        raise InputError(
            f"the sources have {total:,} characters, more than the {policy.max_chars:,} allowed",
            "verify against fewer sources, or raise VerifyPolicy.max_chars",
        )
    return texts


def verify(
    draft: str, sources: Sequence[str], *, lang: Lang, policy: VerifyPolicy = _DEFAULT
) -> Verification:
    """Every flag of ``draft`` against ``sources``: grounding, copying, personal data, sensitive
    terms and links, as ``policy`` selects. Pure: no I/O beyond jieba's dictionary for zh names.

    Raises InputError for a draft or sources that are not text, an unknown language, or more text
    than ``policy.max_chars``.
    """
    texts = _check_inputs(draft, sources, lang, policy)
    text = _clean(draft)
    srcs = [_clean(s) for s in texts]
    checks = [c for c in ALL_CHECKS if c in policy.checks]
    findings: list[Finding] = []
    # Figures and names inside personal data and links are theirs, not grounding's.
    pii = list(find_pii(text, srcs, _PII_ALL))
    skip = SpanSet([(f.start, f.end) for f in pii] + link_spans(text))
    if "grounding" in checks:
        findings.extend(find_ungrounded_figures(text, srcs, skip))
        if policy.names:
            findings.extend(find_ungrounded_names(text, srcs, lang, skip))
    if "copying" in checks:
        size = policy.copy_min_zh_chars if lang == "zh" else policy.copy_min_en_words
        findings.extend(find_copying(text, srcs, lang, size))
    if "pii" in checks:
        findings.extend(f for f in pii if f.category in policy.pii)
    if "sensitive" in checks:
        findings.extend(find_terms(text, policy.sensitive_terms))
    if "link" in checks:
        findings.extend(find_links(text, srcs))
    flags = to_flags(text, findings, frozenset(policy.blocking))
    counts = Counter(f.kind for f in flags)
    return Verification(
        lang=lang,
        checks=tuple(checks),
        flags=flags,
        counts={c: counts.get(c, 0) for c in checks},
        blocking=sum(f.blocks_publishing for f in flags),
    )
