"""Names in English (and in the Latin-script runs of Chinese text): capitalised spans.

A name is a run of capitalised words (``Helen Marsh``, ``Westmere Statistics Office``), joined by
single spaces or by a lower-case particle between two capitalised words (``Bank of England``,
``Ludwig van Beethoven``). Not names: a sentence's first word when it is a common word (a
built-in list, or the word occurs in lower case in the draft or a source); in a title-case line,
every such common word; month and weekday names (dates are checked as figures); titles (Mr, Dr,
President …) leading a name, which are dropped from it; a trailing possessive ``'s``.

A name is grounded when its words occur, consecutively and ignoring case, in a source: the
surname alone (``Smith`` after ``John Smith``) is therefore grounded, an invented first name is
not. Names written in another script in the sources (``Xi Jinping`` vs ``习近平``) are out of
scope: they are flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from zhimei.desk.verify.findings import word_set

__all__ = ["NameSpan", "SourceWords", "english_names"]


# Latin, Greek and Cyrillic letters: CJK characters are also "word" characters and must not join in.
_LETTERS = "A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
_WORD = re.compile(f"[{_LETTERS}]+(?:['’\\-][{_LETTERS}]+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_PARTICLES = word_set("of de del della di da das dos du van von der den la le bin al el y")
_TITLES = word_set(
    "mr mrs ms miss dr prof professor sir dame lord lady president premier minister senator "
    "governor mayor judge justice general gen col capt captain chairman chairwoman chief ceo rev "
    "st"
)
_CALENDAR = word_set(
    "january february march april may june july august september october november december jan "
    "feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday "
    "saturday sunday"
)
_COMMON = word_set(
    "a about above according across after afterwards again against ago all almost along already "
    "also although always among an and another any anyone anything are around as at back be "
    "because been before being below between both but by can could despite did do does doing down "
    "during each earlier either else even ever every few first for former from further had has "
    "have having he her here hers herself him himself his how however i if in including instead "
    "into is it its itself just last later least less let like many may meanwhile might more "
    "moreover most much must my near neither never nevertheless new next no none nor not nothing "
    "now of off often on once one only or other others otherwise our ours out over overall own "
    "per perhaps rather read see several she should since so some still such than that the their "
    "theirs them then there therefore these they this those though through throughout thus to "
    "today together tomorrow too total under unlike until up upon us use very was we well were "
    "what whatever when where whether which while who whom whose why will with within without "
    "would yes yesterday yet you your meanwhile officials experts analysts residents police "
    "researchers according economists critics supporters others overall separately similarly "
    "still third second instead ahead asked speaking"
)
_SENTENCE_END = set(".!?。！？;；:：\n\"“”'‘’(（[【—–-")
_ORG_WORDS = word_set(
    "office ministry department bank university college council board agency committee commission "
    "court company corp corporation inc ltd group association authority bureau institute union "
    "party police hospital school club team fund foundation"
)
_PLACE_WORDS = word_set("county city river province state island lake mountain valley street road district")


@dataclass(frozen=True, slots=True)
class NameSpan:
    """A name found in a text: where, the words, and its likely category."""

    start: int
    end: int
    words: tuple[str, ...]
    category: str


class SourceWords:
    """The sources' words, case-folded and space-joined, for grounding names by substring search.

    Memory stays linear in the sources; each distinct name is looked up once.
    """

    def __init__(self, sources: Sequence[str]) -> None:
        self._lower: set[str] = set()
        joined = []
        for text in sources:
            words = [_POSSESSIVE.sub("", m.group()) for m in _WORD.finditer(text)]
            self._lower.update(w for w in words if w.islower())
            joined.append(" " + " ".join(w.casefold() for w in words) + " ")
        self._text = "\x00".join(joined)
        self._seen: dict[tuple[str, ...], bool] = {}

    def has_lower(self, word: str) -> bool:
        """Whether ``word`` occurs in lower case in a source (so it is a common word)."""
        return word.lower() in self._lower

    def contains(self, words: tuple[str, ...]) -> bool:
        """Whether ``words`` occur consecutively in one source (ignoring case)."""
        if words not in self._seen:
            self._seen[words] = " " + " ".join(w.casefold() for w in words) + " " in self._text
        return self._seen[words]


def _sentence_initial(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i] in " \t\u00a0\u3000*#>_":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _title_case_lines(text: str) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):
        words = [w for w in _WORD.findall(line) if w.lower() not in _PARTICLES]
        if len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.7 * len(words):
            out.append((pos, pos + len(line)))
        pos += len(line)
    return out


def _category(words: tuple[str, ...], titled: bool) -> str:
    last = words[-1].lower()
    if titled:
        return "person"
    if last in _ORG_WORDS or (words[-1].isupper() and len(words) == 1):
        return "organisation"
    if last in _PLACE_WORDS:
        return "place"
    return "name"


def english_names(text: str, known_lower: SourceWords) -> Iterator[NameSpan]:
    """Capitalised name spans of ``text`` (rules in the module docstring), in text order."""
    draft_lower = {w.lower() for w in _WORD.findall(text) if w.islower()}
    titled_lines = _title_case_lines(text)

    def common(word: str) -> bool:
        low = word.lower()
        return low in _COMMON or low in draft_lower or known_lower.has_lower(word)

    tokens = list(_WORD.finditer(text))
    i = 0
    while i < len(tokens):
        m = tokens[i]
        word = _POSSESSIVE.sub("", m.group())
        if not word or not word[0].isupper() or word.lower() in _CALENDAR or len(word) == 1:
            i += 1
            continue
        in_title = any(a <= m.start() < b for a, b in titled_lines)
        if (in_title or _sentence_initial(text, m.start())) and common(word):
            i += 1
            continue
        # Grow the span over capitalised words and particles between capitalised words.
        parts = [m]
        j = i + 1
        while j < len(tokens):
            gap = text[parts[-1].end() : tokens[j].start()]
            nxt = _POSSESSIVE.sub("", tokens[j].group())
            if gap not in (" ", "\u00a0") or not nxt or _POSSESSIVE.search(parts[-1].group()):
                break
            if nxt[0].isupper() and nxt.lower() not in _CALENDAR and not (in_title and common(nxt)):
                parts.append(tokens[j])
                j += 1
            elif (
                nxt.lower() in _PARTICLES
                and j + 1 < len(tokens)
                and text[tokens[j].end() : tokens[j + 1].start()] == " "
                and tokens[j + 1].group()[0].isupper()
                and not (in_title and common(tokens[j + 1].group()))
            ):
                parts.extend(tokens[j : j + 2])
                j += 2
            else:
                break
        i = j
        titled = False
        while parts and parts[0].group().lower().rstrip(".") in _TITLES and len(parts) > 1:
            parts.pop(0)
            titled = True
        while parts and parts[-1].group().lower() in _PARTICLES:
            parts.pop()
        if not parts or (len(parts) == 1 and parts[0].group().lower().rstrip(".") in _TITLES):
            continue
        start, end = parts[0].start(), parts[-1].end()
        words = [p.group() for p in parts]
        last = _POSSESSIVE.sub("", words[-1])
        if last != words[-1]:
            end -= len(words[-1]) - len(last)
            words[-1] = last
        if not words[-1]:
            continue
        yield NameSpan(start, end, tuple(words), _category(tuple(words), titled))
