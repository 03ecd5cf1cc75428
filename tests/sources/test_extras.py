"""Without the intake extra, each reader says which extra to install."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from zhimei.errors import ExtraMissingError
from zhimei.sources.feeds import parse_feed
from zhimei.sources.files import parse_file
from zhimei.sources.pages import parse_page

CALLS: dict[str, Callable[[Path], object]] = {
    "feedparser": lambda tmp: parse_feed(b'<rss version="2.0"><channel/></rss>', "https://x.example/rss"),
    "trafilatura": lambda tmp: parse_page(b"<html><body><p>x</p></body></html>", "https://x.example/"),
    "docx": lambda tmp: parse_file(tmp / "a.docx"),
    "pypdf": lambda tmp: parse_file(tmp / "a.pdf"),
}


@pytest.mark.parametrize("module", sorted(CALLS))
def test_missing_extra_names_intake(module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import docx

    docx.Document().save(str(tmp_path / "a.docx"))  # made while python-docx is still importable
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4\n")
    monkeypatch.setitem(sys.modules, module, None)  # from now on, importing it fails
    with pytest.raises(ExtraMissingError) as info:
        CALLS[module](tmp_path)
    assert info.value.extra == "intake" and "zhimei[intake]" in info.value.hint
