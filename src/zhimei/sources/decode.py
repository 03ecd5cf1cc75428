"""Bytes to text for every input path (files, uploads, fetched pages, feeds).

Order of trust: a byte-order mark; then the declared charset (unless the bytes are valid UTF-8
with non-ASCII in them: mislabelled UTF-8 pages are common, accidental UTF-8 is not); then strict
UTF-8; then GB18030 (GBK and GB2312 are subsets, so they are always decoded as GB18030) or Big5,
whichever reads as more ordinary Chinese; then charset detection. Latin-script code pages the
detector guesses are read as Windows-1252, the Western page newsroom text uses.

For web pages and feeds, :func:`decode_markup` finds the label first: the HTTP header's charset,
then the markup's own declaration (a server's default ISO-8859-1 label yields to it).

Every decode is strict: valid UTF-8, GB or Big5 input never comes back with U+FFFD. Binary input
(NUL bytes, many control bytes, or the magic number of a PDF, ZIP, image … on bytes that are not
clean text) is refused with an :class:`~zhimei.errors.InputError` that names the input.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from zhimei.errors import InputError

__all__ = ["MAX_BYTES", "charset_of", "declared_charset", "decode_markup", "decode_text", "read_text_file"]

MAX_BYTES = 20 * 1024 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx/.epub)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE document (.doc/.xls/.ppt)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x1a\x45\xdf\xa3", "a Matroska/WebM video"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"ID3", "an MP3 audio file"),
)

# GBK and GB2312 are subsets of GB18030; decoding as GB18030 reads their text and more.
_GB_ALIASES = frozenset(
    [
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "gb-2312",
        "csgb2312",
        "euc-cn",
        "euccn",
        "x-euc-cn",
        "gbk",
        "x-gbk",
        "cp936",
        "ms936",
        "windows-936",
        "chinese",
        "iso-ir-58",
        "gb18030",
    ]
)
_CONTROL = frozenset(set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}) | {0x7F}
_CONTROL_BYTES = bytes(sorted(_CONTROL))
_CONTROL_CHARS = re.compile("[" + "".join(f"\\x{c:02x}" for c in sorted(_CONTROL)) + "]")
_HINT_TEXT = "give a plain-text file (UTF-8 or GB18030), or use the importer for that format"


def _binary_kind(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    if data[4:8] == b"ftyp":
        return "an MP4/MOV media file"
    if data[:4] == b"RIFF" and data[8:12] in (b"WAVE", b"AVI ", b"WEBP"):
        return "a RIFF media file (WAV/AVI/WebP)"
    return None


def _control_share(data: bytes) -> float:
    """Share of C0 control bytes (other than tab, newlines, form feed, escape) in the first 64 KB."""
    head = data[:65536]
    return (len(head) - len(head.translate(None, _CONTROL_BYTES))) / max(len(head), 1)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM (mostly ASCII-range: every other byte is NUL), else None."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nul = data[0::2].count(0)
    odd_nul = data[1::2].count(0)
    half = len(data) // 2
    for nul, other, encoding in ((odd_nul, even_nul, "utf-16-le"), (even_nul, odd_nul, "utf-16-be")):
        if nul >= 0.4 * half and other <= 0.02 * half:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            if not _CONTROL_CHARS.search(text):
                return text
    return None


def _codec(declared: str) -> str | None:
    """The Python codec for a declared charset (``text/html; charset=GBK`` works too), or None."""
    label = declared.strip().lower()
    if "charset=" in label:
        label = label.split("charset=", 1)[1]
    label = label.split(";", 1)[0].strip().strip("\"'").strip()
    if label in _GB_ALIASES:
        return "gb18030"
    if label in ("big5", "big-5", "cn-big5", "csbig5", "x-x-big5"):
        return "cp950"  # Microsoft's superset of Big5, as browsers decode it
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None  # unknown labels are ignored: content detection follows


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


# Punctuation both encodings keep in their symbol rows; every other symbol-row character is odd.
_COMMON_PUNCT = frozenset("，。、；：？！“”‘’（）《》〈〉【】「」『』…—·　﹐﹑﹔﹕")


def _gb_odd(ch: str) -> bool:
    """Whether a character read as GB18030 is unusual in Chinese text (kana, Greek, GBK extension …)."""
    if ch.isascii() or ch in _COMMON_PUNCT:
        return False
    b = ch.encode("gb18030")
    if len(b) != 2:
        return True
    lead, trail = b
    # Simplified text lives in GB2312 (both bytes A1-FE); hanzi rows start at B0.
    return not (0xB0 <= lead <= 0xF7 and trail >= 0xA1) and not (lead == 0xA3 and trail >= 0xA1)


def _big5_odd(ch: str) -> bool:
    """Whether a character read as Big5 is unusual in Chinese text (outside the 5401 common hanzi)."""
    if ch.isascii() or ch in _COMMON_PUNCT:
        return False
    try:
        b = ch.encode("cp950")
    except UnicodeEncodeError:
        return True
    if len(b) != 2:
        return True
    lead, trail = b
    return not (0xA4 <= lead <= 0xC5 or (lead == 0xC6 and trail <= 0x7E))


def _gb_or_big5(data: bytes) -> str | None:
    """GB18030, unless the bytes are also valid Big5 and read as more ordinary Chinese that way.

    Every Big5 byte pair is also a GBK pair, so both decodes often succeed. The wrong reading
    is full of rare characters: GB bytes read as Big5 land in Big5's less common level 2; Big5
    bytes read as GB land in kana rows and the GBK extension.
    """
    gb = _strict(data, "gb18030")
    big5 = _strict(data, "cp950") or _strict(data, "big5hkscs")
    if gb is None or big5 is None:
        return gb or big5
    gb_odd = sum(1 for ch in gb[:20000] if _gb_odd(ch))
    big5_odd = sum(1 for ch in big5[:20000] if _big5_odd(ch))
    return big5 if big5_odd < gb_odd else gb


# Latin-script code pages a detector confuses on short text; newsroom text in them is Western.
_LATIN_PAGES = frozenset(
    {"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "mac_roman", "mac_latin2", "cp850", "cp437"}
    | {f"iso8859_{n}" for n in (1, 2, 3, 4, 9, 10, 13, 14, 15, 16)}
)


def _detect(data: bytes) -> str | None:
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    if best.encoding in _LATIN_PAGES:
        return _strict(data, "cp1252") or _strict(data, "latin-1")
    return _strict(data, best.encoding)


def _decode(data: bytes, declared: str | None, name: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{name} starts with a {encoding.upper()} byte-order mark but has invalid bytes "
                    f"at byte {exc.start + len(bom)}",
                    "re-save it as UTF-8 with a text editor",
                ) from None
    what = _binary_kind(data)
    # A magic number alone is not proof ("ID3 tags …" is text): the rest must look binary too.
    if what is not None and (b"\x00" in data or _control_share(data) > 0 or _strict(data, "utf-8") is None):
        raise InputError(f"{name} is binary ({what}), not text", _HINT_TEXT)
    codec = _codec(declared) if declared else None
    wide = codec is not None and codec.startswith(("utf-16", "utf-32"))
    if not wide:
        if b"\x00" in data:
            text = _utf16_without_bom(data)
            if text is not None:
                return text
            raise InputError(f"{name} is binary (it contains NUL bytes), not text", _HINT_TEXT)
        if _control_share(data) > 0.05:
            raise InputError(f"{name} is binary (too many control bytes), not text", _HINT_TEXT)
    if codec is not None:
        # Pages labelled gb2312 or iso-8859-1 that are really UTF-8 are common; bytes that are
        # valid UTF-8 with non-ASCII in them are, in practice, never anything else.
        if not wide and codec != "utf-8" and not data.isascii():
            utf8 = _strict(data, "utf-8")
            if utf8 is not None:
                return utf8
        text = _strict(data, codec)
        if text is not None:
            return text
    for attempt in (lambda: _strict(data, "utf-8"), lambda: _gb_or_big5(data), lambda: _detect(data)):
        text = attempt()
        if text is not None:
            return text
    raise InputError(f"cannot tell the text encoding of {name}", "re-save it as UTF-8")


def decode_text(data: bytes, *, declared: str | None = None, name: str = "input") -> str:
    """Decode ``data`` to text with ``\\n`` newlines and no leading BOM.

    ``declared`` is a charset label from outside the bytes (HTTP header, XML or HTML meta,
    ``text/html; charset=GBK`` works). Raises :class:`InputError` naming ``name`` when the input
    is empty or whitespace only, binary, or not decodable; after a BOM, the error says at
    which byte the invalid data starts.
    """
    if not data.strip():
        raise InputError(f"{name} is empty", "give a file with some text in it")
    text = _decode(data, declared, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(f"{name} is empty", "give a file with some text in it")
    if len(_CONTROL_CHARS.findall(text, 0, 65536)) > 0.05 * min(len(text), 65536):
        raise InputError(f"{name} is binary (too many control characters), not text", _HINT_TEXT)
    return text


def read_text_file(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> str:
    """The text of the file at ``path``, decoded by :func:`decode_text`.

    Raises :class:`InputError` with the path when the file is missing, unreadable, a directory,
    or larger than ``max_bytes`` (20 MB by default).
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                raise InputError(
                    f"{p} is {size / 1_048_576:.1f} MB, "
                    f"over the {max_bytes / 1_048_576:g} MB limit for text input",
                    "split the file or pass a smaller excerpt",
                )
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"{p} does not exist", "check the path") from None
    except IsADirectoryError:
        raise InputError(f"{p} is a directory, not a file", "give the path of a text file") from None
    except PermissionError:
        raise InputError(f"{p} cannot be read (permission denied)", "check the file's permissions") from None
    except OSError as exc:
        raise InputError(
            f"{p} cannot be read ({exc.strerror or exc})", "check the path and the disk"
        ) from None
    if len(data) > max_bytes:  # the file grew while we read it
        raise InputError(
            f"{p} is over the {max_bytes / 1_048_576:g} MB limit for text input", "split the file"
        )
    return decode_text(data, name=str(p))


# --- markup (web pages, feeds): the charset comes from the HTTP header or the markup itself -------

_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Labels servers send by default without looking at the bytes; a markup declaration beats them.
_WEAK_CODECS = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252"})


def charset_of(content_type: str | None) -> str | None:
    """The charset label in a Content-Type header value, or None."""
    if not content_type or "charset=" not in content_type.lower():
        return None
    label = content_type.lower().split("charset=", 1)[1].split(";", 1)[0].strip().strip("\"'").strip()
    return label or None


def declared_charset(data: bytes) -> str | None:
    """The charset markup declares in its first 4 KB: an XML declaration or an HTML ``<meta>``."""
    head = data[:4096]
    found = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not found:
        return None
    label = found.group(1).decode("ascii")
    codec = _codec(label)
    # A declaration readable as ASCII is not in a UTF-16/32 document (HTML says: read it as UTF-8).
    return "utf-8" if codec and codec.startswith(("utf-16", "utf-32")) else label


def _weak(label: str | None) -> bool:
    codec = _codec(label) if label else None
    return codec is None or codec in _WEAK_CODECS


def _reads_as_chinese(text: str) -> bool:
    """At least 4 common hanzi and at most 10% odd characters among the non-ASCII ones."""
    wide = [ch for ch in text[:20000] if not ch.isascii() and not ch.isspace()]
    odd = sum(1 for ch in wide if _gb_odd(ch) and _big5_odd(ch))
    return len(wide) - odd >= 4 and odd <= 0.1 * len(wide)


def decode_markup(data: bytes, *, content_type: str | None = None, name: str = "input") -> str:
    """Decode an HTML page or an XML feed like :func:`decode_text`, finding the charset label first.

    Order of trust: a BOM; the HTTP header's charset; the markup's own declaration (XML
    ``encoding``, HTML ``<meta charset>``); detection. A header label of ASCII, ISO-8859-1 or
    Windows-1252 (what servers send by default) yields to a different declaration in the
    markup that decodes the bytes, and to GB18030/Big5 when the bytes read as ordinary Chinese
    that way and are not UTF-8.
    """
    header = charset_of(content_type)
    inner = declared_charset(data)
    declared = header or inner
    if header and inner and _weak(header) and not _weak(inner):
        codec = _codec(inner)
        if codec is not None and _strict(data, codec) is not None:
            declared = inner
    text = decode_text(data, declared=declared, name=name)
    bom = any(data.startswith(mark) for mark, _ in _BOMS)
    if declared and _weak(declared) and not bom and not data.isascii() and _strict(data, "utf-8") is None:
        guess = _gb_or_big5(data)
        if guess is not None and _reads_as_chinese(guess):
            return decode_text(data, name=name)
    return text
