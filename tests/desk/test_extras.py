"""Without the desk extra, each optional library fails with ExtraMissingError naming the extra."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from zhimei.desk.labels import make_label
from zhimei.desk.labels.text import apply_to_docx, apply_to_markdown, apply_to_rss_entry, html_document
from zhimei.desk.labels.text.rss import rss_extension
from zhimei.desk.verify import verify
from zhimei.errors import ExtraMissingError

LABEL = make_label(
    lang="en", producer="p", produce_id="i", human_edit_ratio=0.5, reviewed_at=datetime.now(UTC)
)


def _zh_names() -> object:
    return verify("王五说，完全新的一句话。", [], lang="zh")


@pytest.mark.parametrize(
    ("module", "call"),
    [
        ("jieba", _zh_names),
        ("yaml", lambda: apply_to_markdown("text", LABEL)),
        ("nh3", lambda: html_document("t", "<p>x</p>", LABEL)),
        ("docx", lambda: apply_to_docx(object(), LABEL)),
        ("feedgen", lambda: apply_to_rss_entry(object(), object(), LABEL)),
    ],
)
def test_missing_library_names_the_extra(
    module: str, call: Callable[[], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    rss_extension.cache_clear()
    try:
        with pytest.raises(ExtraMissingError, match="desk"):
            call()
    finally:
        rss_extension.cache_clear()
