"""Evaluation datasets: cases (an input, its human references, a language) read from files or built from
published articles.

Formats (``fmt``):

* ``jsonl`` — one case per line: ``{"id": "c1", "text": "…", "title": "…", "references": ["…"],
  "lang": "zh", "category": "sport"}`` for articles, ``{"data": {…}, "references": […]}`` for data
  records. ``input`` may stand for ``text`` (a string) or ``data`` (an object); ``reference`` (one
  string) for ``references``; ``prediction`` carries an output to score as given (``eval score``).
* ``csv`` / ``tsv`` — a header row; ``text`` (or ``input``) plus ``reference`` columns for articles,
  or any columns plus ``reference`` for data records. Rows with the same input are one case with
  several references. Optional columns: ``id``, ``title``, ``lang``, ``category``, ``prediction``.
* ``e2e`` — the E2E NLG layout: ``mr,ref`` rows, ``mr`` like ``name[Alimentum], area[city centre]``;
  rows are grouped by ``mr``, each group one case with all its references.
* ``rotowire`` — the RotoWire layout: a JSON list of games (or one game) with ``box_score``,
  ``home_line``, ``vis_line`` and the tokenised human ``summary``.

Every reader raises InputError naming the file (and line or row) on malformed input.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zhimei.checks.text import detect_lang
from zhimei.errors import InputError
from zhimei.records import ArticleInput, Lang, RecordInput
from zhimei.sources.decode import decode_text

__all__ = [
    "FORMATS",
    "Dataset",
    "EvalCase",
    "PublishedArticle",
    "case_from_object",
    "cases_from_articles",
    "detokenize",
    "load_dataset",
    "parse_mr",
    "rotowire_record",
]

Format = Literal["auto", "jsonl", "csv", "tsv", "e2e", "rotowire"]
FORMATS: tuple[str, ...] = ("auto", "jsonl", "csv", "tsv", "e2e", "rotowire")
# Datasets are bigger than articles; still, a file that size is a mistake, not a dataset.
MAX_DATASET_BYTES = 500 * 1024 * 1024
_CASE_KEYS = frozenset(
    {"id", "text", "title", "data", "input", "references", "reference", "lang", "category", "prediction"}
)
_META_COLUMNS = frozenset({"id", "reference", "references", "lang", "category", "prediction"})


class EvalCase(BaseModel):
    """One case: the task input, its human references, an optional category, and (when scoring outputs
    made elsewhere) the prediction to score."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    input: ArticleInput | RecordInput
    references: tuple[str, ...]
    category: str | None = None
    prediction: str | None = None

    @property
    def lang(self) -> Lang:
        return self.input.lang


@dataclass(frozen=True)
class Dataset:
    """A named, ordered tuple of cases; ``hash`` identifies its content (resuming checks it)."""

    name: str
    cases: tuple[EvalCase, ...]

    @property
    def hash(self) -> str:
        digest = hashlib.sha256()
        for case in self.cases:
            canonical = json.dumps(case.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
            digest.update(canonical.encode("utf-8") + b"\n")
        return digest.hexdigest()

    def head(self, limit: int | None) -> Dataset:
        """The first ``limit`` cases (all when None)."""
        return self if limit is None else Dataset(self.name, self.cases[:limit])


class PublishedArticle(BaseModel):
    """A published article with the headline and summary its editors wrote: the newsroom's own test set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    text: str
    lang: Lang
    headline: str | None = None
    summary: str | None = None
    category: str | None = None


def cases_from_articles(articles: Iterable[PublishedArticle], task: str) -> list[EvalCase]:
    """Cases for ``task`` ("headline" or "summary") from published articles: the article is the input,
    its human headline or summary the reference. Articles without one are skipped."""
    if task not in ("headline", "summary"):
        raise InputError(f"published articles give headline and summary cases, not {task} cases")
    out = []
    for art in articles:
        reference = art.headline if task == "headline" else art.summary
        if not reference or not reference.strip() or not art.text.strip():
            continue
        # The headline is the reference of a headline case, so it must not be part of the input.
        title = None if task == "headline" else art.headline
        inp = ArticleInput(text=art.text.strip(), lang=art.lang, title=title)
        out.append(EvalCase(id=art.id, input=inp, references=(reference.strip(),), category=art.category))
    return out


def load_dataset(path: Path, fmt: str = "auto", lang: str = "auto") -> Dataset:
    """Read the dataset at ``path`` (format ``fmt``, detected from the suffix when "auto").

    ``lang`` ("zh", "en" or "auto") sets the language of cases that do not state one.
    """
    fmt = _resolve_format(path, fmt)
    text = _read(path, strict_utf8=fmt in ("jsonl", "rotowire"))
    name = path.name
    if fmt == "jsonl":
        cases = list(_jsonl_cases(text, name, lang))
    elif fmt in ("csv", "tsv"):
        cases = _table_cases(text, name, lang, "\t" if fmt == "tsv" else ",")
    elif fmt == "e2e":
        cases = _e2e_cases(text, name)
    else:
        cases = _rotowire_cases(text, name)
    if not cases:
        raise InputError(f"{name} holds no cases", "give a file with at least one input and reference")
    _check_unique(cases, name)
    return Dataset(name=name, cases=tuple(cases))


def _resolve_format(path: Path, fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError(f"unknown dataset format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
    if fmt != "auto":
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return suffix[1:]
    if suffix == ".json":
        return "rotowire"
    raise InputError(
        f"cannot tell the format of {path.name} from its suffix", f"give --format ({', '.join(FORMATS[1:])})"
    )


def _read(path: Path, *, strict_utf8: bool) -> str:
    try:
        if path.stat().st_size > MAX_DATASET_BYTES:
            raise InputError(f"{path} is larger than {MAX_DATASET_BYTES >> 20} MB", "split the dataset")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", "check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a dataset file") from None
    except PermissionError:
        raise InputError(f"{path} cannot be read (permission denied)") from None
    if not data.strip():
        raise InputError(f"{path.name} is empty", "give a file with at least one case")
    if not strict_utf8:
        return decode_text(data, name=path.name)
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path.name} line {line} is not valid UTF-8 (byte {exc.start})", "re-save the file as UTF-8"
        ) from exc


def _resolve_lang(stated: Any, sample: str, default: str, where: str) -> Lang:
    value = stated if stated not in (None, "") else default
    if value == "zh":
        return "zh"
    if value == "en":
        return "en"
    if value != "auto":
        raise InputError(f"{where}: language {value!r} is not zh or en")
    return detect_lang(sample) if sample.strip() else "en"


def _references(raw: dict[str, Any], where: str) -> tuple[str, ...]:
    refs = raw.get("references", raw.get("reference"))
    if refs is None:
        return ()
    if isinstance(refs, str):
        refs = [refs]
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise InputError(f"{where}: references must be a string or a list of strings")
    return tuple(r.strip() for r in refs if r.strip())


def case_from_object(raw: Any, where: str, default_id: str, lang: str) -> EvalCase:
    """One case from a JSON object in the JSONL layout (see the module notes)."""
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a case must be a JSON object, not {type(raw).__name__}")
    unknown = sorted(set(raw) - _CASE_KEYS)
    if unknown:
        raise InputError(
            f"{where}: unknown fields {', '.join(unknown)}", f"known: {', '.join(sorted(_CASE_KEYS))}"
        )
    source = raw.get("input")
    text, data = raw.get("text"), raw.get("data")
    if isinstance(source, str) and text is None:
        text = source
    elif isinstance(source, dict) and data is None:
        data = source
    elif source is not None:
        raise InputError(f"{where}: input must be a string (article) or an object (data record)")
    if (text is None) == (data is None):
        raise InputError(f"{where}: give exactly one of text (an article) or data (a record)")
    prediction = raw.get("prediction")
    if prediction is not None and not isinstance(prediction, str):
        raise InputError(f"{where}: prediction must be a string")
    category = raw.get("category")
    inp: ArticleInput | RecordInput
    if text is not None:
        title = raw.get("title")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"{where}: text must be a non-empty string")
        if title is not None and not isinstance(title, str):
            raise InputError(f"{where}: title must be a string")
        inp = ArticleInput(
            text=text.strip(), lang=_resolve_lang(raw.get("lang"), text, lang, where), title=title
        )
    else:
        if not isinstance(data, dict) or not data:
            raise InputError(f"{where}: data must be a non-empty JSON object")
        sample = " ".join(str(v) for v in data.values() if isinstance(v, str))
        inp = RecordInput(data=data, lang=_resolve_lang(raw.get("lang"), sample, lang, where))
    try:
        return EvalCase(
            id=str(raw.get("id") or default_id),
            input=inp,
            references=_references(raw, where),
            category=None if category is None else str(category),
            prediction=prediction,
        )
    except ValidationError as exc:
        raise InputError(f"{where}: {exc.errors()[0]['msg']}") from exc


def _jsonl_cases(text: str, name: str, lang: str) -> Iterator[EvalCase]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name} line {lineno}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where} is not valid JSON: {exc.msg} (column {exc.colno})") from exc
        yield case_from_object(raw, where, f"{lineno}", lang)


def _table_cases(text: str, name: str, lang: str, delimiter: str) -> list[EvalCase]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [c.strip() for c in reader.fieldnames or [] if c]
    if not columns:
        raise InputError(f"{name} has no header row")
    ref_column = next((c for c in ("reference", "references", "ref") if c in columns), None)
    if ref_column is None and "prediction" not in columns:
        raise InputError(
            f"{name} has no reference column (columns: {', '.join(columns)})",
            "name the human reference column 'reference' (repeat a row for each further reference)",
        )
    article = next((c for c in ("text", "input") if c in columns), None)
    groups: dict[str, dict[str, Any]] = {}
    for rowno, row in enumerate(reader, 2):
        where = f"{name} row {rowno}"
        if None in row:
            raise InputError(f"{where} has more fields than the header")
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        raw: dict[str, Any] = {
            k: values[k] for k in ("id", "lang", "category", "prediction") if values.get(k)
        }
        if article is not None:
            raw["text"] = values.get(article, "")
            if values.get("title"):
                raw["title"] = values["title"]
        else:
            raw["data"] = {k: v for k, v in values.items() if k not in _META_COLUMNS and v != ""}
        key = json.dumps({k: raw.get(k) for k in ("id", "text", "title", "data")}, sort_keys=True)
        reference = values.get(ref_column, "") if ref_column else ""
        if key in groups:
            if reference:
                groups[key]["raw"]["references"].append(reference)
            continue
        raw["references"] = [reference] if reference else []
        groups[key] = {"raw": raw, "where": where}
    return [case_from_object(g["raw"], g["where"], str(i + 1), lang) for i, g in enumerate(groups.values())]


_MR_PAIR = re.compile(r"\s*([^\[\],]+?)\s*\[([^\]]*)\]\s*(?:,|$)")


def parse_mr(mr: str) -> dict[str, str]:
    """An E2E meaning representation (``name[The Eagle], area[riverside]``) as a record; {} if malformed."""
    out: dict[str, str] = {}
    pos = 0
    for m in _MR_PAIR.finditer(mr):
        if m.start() != pos:
            return {}
        out[m.group(1).strip()] = m.group(2).strip()
        pos = m.end()
    return out if pos == len(mr) and out else {}


def _e2e_cases(text: str, name: str) -> list[EvalCase]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    if "mr" not in columns or "ref" not in columns:
        raise InputError(
            f"{name} is not in the E2E layout (columns: {', '.join(columns) or 'none'})", "it needs mr,ref"
        )
    groups: dict[str, list[str]] = {}
    records: dict[str, dict[str, str]] = {}
    for rowno, row in enumerate(reader, 2):
        mr = (row.get("mr") or "").strip()
        record = records.get(mr) or parse_mr(mr)
        if not record:
            raise InputError(f"{name} row {rowno}: cannot read the meaning representation {mr[:80]!r}")
        records[mr] = record
        ref = (row.get("ref") or "").strip()
        groups.setdefault(mr, [])
        if ref:
            groups[mr].append(ref)
    return [
        EvalCase(
            id=f"e2e-{i + 1}",
            input=RecordInput(data=records[mr], lang="en"),
            references=tuple(refs),
            # Harder inputs have more attributes: the natural breakdown of data-to-text scores.
            category=f"{len(records[mr])} attributes",
        )
        for i, (mr, refs) in enumerate(groups.items())
    ]


# --- RotoWire ---------------------------------------------------------------------------------------

_PLAYER_STATS = {
    "START_POSITION": "start_position",
    "MIN": "minutes",
    "PTS": "points",
    "REB": "rebounds",
    "AST": "assists",
    "STL": "steals",
    "BLK": "blocks",
    "FGM": "field_goals_made",
    "FGA": "field_goals_attempted",
    "FG3M": "threes_made",
    "FG3A": "threes_attempted",
    "FTM": "free_throws_made",
    "FTA": "free_throws_attempted",
    "TO": "turnovers",
}
_TEAM_STATS = {
    "TEAM-CITY": "city",
    "TEAM-NAME": "name",
    "TEAM-WINS": "wins",
    "TEAM-LOSSES": "losses",
    "TEAM-PTS": "points",
    "TEAM-PTS_QTR1": "q1",
    "TEAM-PTS_QTR2": "q2",
    "TEAM-PTS_QTR3": "q3",
    "TEAM-PTS_QTR4": "q4",
    "TEAM-FG_PCT": "field_goal_pct",
    "TEAM-FG3_PCT": "three_pct",
    "TEAM-FT_PCT": "free_throw_pct",
    "TEAM-REB": "rebounds",
    "TEAM-AST": "assists",
    "TEAM-TOV": "turnovers",
}
# Prompts must fit a small model's context: the top scorers carry the story.
MAX_PLAYERS = 10
_DETOK = [
    (re.compile(r"\s+([.,;:!?)%])"), r"\1"),
    (re.compile(r"\(\s+"), "("),
    (re.compile(r"(\d)\s+-\s+(\d)"), r"\1-\2"),
    (re.compile(r"(\w)\s+-\s+(\w)"), r"\1-\2"),
    (re.compile(r"\s+'(s|re|ve|ll|d|t)\b"), r"'\1"),
]


def detokenize(tokens: Sequence[str]) -> str:
    """A readable text from RotoWire's space-separated tokens."""
    text = " ".join(tokens)
    for pattern, repl in _DETOK:
        text = pattern.sub(repl, text)
    return text.strip()


def _game_date(day: str) -> str:
    m = re.fullmatch(r"(\d{2})_(\d{2})_(\d{2})", day)
    return f"20{m.group(3)}-{m.group(1)}-{m.group(2)}" if m else day


def _team(line: dict[str, Any]) -> dict[str, str]:
    return {short: str(line[k]) for k, short in _TEAM_STATS.items() if str(line.get(k, "N/A")) != "N/A"}


def rotowire_record(game: dict[str, Any]) -> dict[str, Any]:
    """A RotoWire game as a brief record: date, both teams' lines, and the top players' box score."""
    box = game["box_score"]
    names: dict[str, str] = box["PLAYER_NAME"]
    players = []
    for idx, player in names.items():
        if str(box.get("MIN", {}).get(idx, "N/A")) in ("N/A", "0", ""):
            continue  # did not play
        stats = {"name": player, "team": str(box.get("TEAM_CITY", {}).get(idx, ""))}
        stats |= {short: str(box[k][idx]) for k, short in _PLAYER_STATS.items() if k in box and idx in box[k]}
        players.append(stats)
    players.sort(key=lambda p: -int(p["points"]) if p.get("points", "").isdigit() else 0)
    return {
        "date": _game_date(str(game.get("day", ""))),
        "home": _team(game["home_line"]),
        "visitor": _team(game["vis_line"]),
        "players": players[:MAX_PLAYERS],
    }


def _rotowire_cases(text: str, name: str) -> list[EvalCase]:
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    games = parsed if isinstance(parsed, list) else [parsed]
    out = []
    for i, game in enumerate(games):
        where = f"{name} game {i}"
        try:
            record = rotowire_record(game)
            summary = game["summary"]
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                f"{where} is not in the RotoWire layout (missing {exc})",
                "each game needs box_score, home_line, vis_line and summary",
            ) from exc
        reference = detokenize(summary) if isinstance(summary, list) else str(summary)
        out.append(
            EvalCase(id=f"game-{i + 1}", input=RecordInput(data=record, lang="en"), references=(reference,))
        )
    return out


def _check_unique(cases: list[EvalCase], name: str) -> None:
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise InputError(f"{name}: case id {case.id!r} appears twice", "give every case its own id")
        seen.add(case.id)
