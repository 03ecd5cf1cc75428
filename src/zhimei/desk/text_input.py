"""Text a person gives the desk (an edit, a correction, a comment): checked before anything is saved.

Refused with an InputError saying what to do: empty text, more than :data:`MAX_REVISION_CHARS`
characters, invalid UTF-8, NUL and other control characters, lone surrogates. HTML and scripts are
kept as the text they are; outputs escape or sanitise them.
"""

from __future__ import annotations

import re
from pathlib import Path

from zhimei.errors import InputError

__all__ = ["MAX_COMMENT_CHARS", "MAX_REVISION_CHARS", "clean_text", "decode_utf8", "read_text"]

MAX_REVISION_CHARS = 200_000
MAX_COMMENT_CHARS = 10_000
# C0 and C1 controls except tab and line breaks, lone surrogates, non-characters.
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: object, what: str = "the text", limit: int = MAX_REVISION_CHARS) -> str:
    """``text`` with line breaks as ``\\n`` and surrounding whitespace removed, after the checks above."""
    if not isinstance(text, str):
        raise InputError(f"{what} must be text, not {type(text).__name__}", "pass a str")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InputError(f"{what} is empty", "nothing was saved; give the full text")
    if len(text) > limit:
        raise InputError(
            f"{what} has {len(text):,} characters, more than the {limit:,} allowed",
            "split it into several drafts",
        )
    bad = _BAD.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise InputError(
            f"{what} contains the control character U+{ord(bad.group()):04X} (line {line})",
            "remove it; binary files cannot be saved as text",
        )
    return text


def decode_utf8(data: bytes, name: str) -> str:
    """``data`` decoded as UTF-8 (a BOM is dropped); InputError naming the first bad byte otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{name} is not valid UTF-8 (byte {exc.start}, line {line})", "save it as UTF-8 and try again"
        ) from None


def read_text(path: Path, what: str = "the edit") -> str:
    """The checked text of a UTF-8 file; InputError for a missing, binary, empty or too long file."""
    limit = MAX_REVISION_CHARS * 4 + 3  # UTF-8 takes at most 4 bytes a character, plus a BOM
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", "check the path") from None
    if len(data) > limit:
        raise InputError(
            f"{path} is larger than {what} may be ({MAX_REVISION_CHARS:,} characters)",
            "split it into several drafts",
        )
    return clean_text(decode_utf8(data, str(path)), f"{what} ({path})")
