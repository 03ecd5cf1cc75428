"""Full-text search over documents, stories and archive articles: SQLite FTS5 or PostgreSQL.

Text arrives here already cut into words (jieba for Chinese, see :mod:`zhimei.intake.segment`),
joined by spaces, so both engines only split on spaces and punctuation: SQLite's ``unicode61``
tokenizer and PostgreSQL's ``simple`` configuration see the same words. A query is a typed
:class:`SearchQuery` (OR of AND-groups of terms or phrases), rendered here into an FTS5 ``MATCH``
expression or a ``to_tsquery`` string; every word is quoted, so user text never becomes syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    column,
    delete,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy import table as sa_table
from sqlalchemy.exc import DBAPIError

from zhimei.errors import InputError
from zhimei.store.db import begin_write
from zhimei.store.intake_schema import SEARCH_ENTRIES, search_vector

__all__ = [
    "MAX_TOKENS_CHARS",
    "Kind",
    "SearchEntry",
    "SearchQuery",
    "SearchRow",
    "SearchTerm",
    "delete_entry",
    "index_table_names",
    "put_entry",
    "rebuild_index",
    "search",
]

Kind = Literal["document", "story", "archive"]
# The words of a text indexed: the start of a very long one is enough to find it (and a PostgreSQL
# tsvector must stay under 1 MB).
MAX_TOKENS_CHARS = 100_000
_FTS_TABLE = "search_fts"
# Characters kept in a query word: letters, digits, CJK, and the joiners inside words (3.5, rate-cut).
_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class SearchEntry:
    """What is indexed for one thing: its words (``tokens``), sub-words (``extra``), title and time."""

    kind: Kind
    ref: int
    at: datetime
    lang: str
    title: str
    tokens: str
    extra: str = ""


@dataclass(frozen=True)
class SearchTerm:
    """Words that must all occur; with ``phrase``, next to each other in this order; with
    ``prefix``, as the start of a word (``rate`` finds "rates": light stemming for English)."""

    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """Any of ``groups`` matches; a group matches when all of its terms do."""

    groups: tuple[tuple[SearchTerm, ...], ...]


@dataclass(frozen=True)
class SearchRow:
    """A matching entry and its relevance (higher is better), with its indexed words for a snippet."""

    kind: Kind
    ref: int
    at: datetime
    lang: str
    title: str
    tokens: str
    score: float


def put_entry(conn: Connection, entry: SearchEntry) -> None:
    """Index ``entry``, replacing what was indexed for the same kind and ref."""
    values = {
        "at": entry.at,
        "lang": entry.lang,
        "title": entry.title,
        "tokens": entry.tokens[:MAX_TOKENS_CHARS],
        "extra": entry.extra[:MAX_TOKENS_CHARS],
    }
    table = SEARCH_ENTRIES
    changed = conn.execute(
        update(table).where(table.c.kind == entry.kind, table.c.ref == entry.ref).values(**values)
    )
    if changed.rowcount == 0:
        conn.execute(table.insert().values(kind=entry.kind, ref=entry.ref, **values))


def delete_entry(conn: Connection, kind: Kind, ref: int) -> None:
    """Remove what was indexed for one thing (nothing if it was not indexed)."""
    conn.execute(delete(SEARCH_ENTRIES).where(SEARCH_ENTRIES.c.kind == kind, SEARCH_ENTRIES.c.ref == ref))


def _words(term: SearchTerm) -> list[str]:
    return [w for w in (_UNSAFE.sub("", word) for word in term.words) if w]


def _fts5_term(term: SearchTerm) -> str | None:
    words = [f'"{w}"' + ("*" if term.prefix else "") for w in _words(term)]
    if not words:
        return None
    return " + ".join(words) if term.phrase else "(" + " AND ".join(words) + ")"


def _tsquery_term(term: SearchTerm) -> str | None:
    words = [f"'{w}'" + (":*" if term.prefix else "") for w in _words(term)]
    if not words:
        return None
    return "(" + (" <-> " if term.phrase else " & ").join(words) + ")"


def _render(query: SearchQuery, term_of: Any, and_: str, or_: str) -> str:
    groups = []
    for group in query.groups:
        terms = [t for t in (term_of(term) for term in group) if t]
        if terms:
            groups.append("(" + and_.join(terms) + ")")
    if not groups:
        raise InputError("the search query has no words to look for", "give one or more words or phrases")
    return or_.join(groups)


def search(
    engine: Engine,
    query: SearchQuery,
    *,
    since: datetime | None = None,
    kinds: tuple[Kind, ...] = (),
    limit: int = 20,
) -> list[SearchRow]:
    """The entries matching ``query``, best first; only those at or after ``since`` and of ``kinds``."""
    table = SEARCH_ENTRIES
    columns = [table.c.kind, table.c.ref, table.c.at, table.c.lang, table.c.title, table.c.tokens]
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            match = _render(query, _fts5_term, " AND ", " OR ")
            fts = sa_table(_FTS_TABLE, column("rowid"))  # the virtual table, joined by rowid
            statement = (
                select(*columns, func.bm25(literal_column(_FTS_TABLE)).label("rank"))
                .select_from(table.join(fts, fts.c.rowid == table.c.id))
                .where(text(f"{_FTS_TABLE} MATCH :match").bindparams(bindparam("match", match)))
                .order_by(text("rank"), table.c.at.desc())
            )
        else:
            tsquery = func.to_tsquery(
                text("'simple'::regconfig"), _render(query, _tsquery_term, " & ", " | ")
            )
            vector = search_vector()
            statement = (
                select(*columns, (-func.ts_rank(vector, tsquery)).label("rank"))
                .where(vector.bool_op("@@")(tsquery))
                .order_by(text("rank"), table.c.at.desc())
            )
        if since is not None:
            statement = statement.where(table.c.at >= since)
        if kinds:
            statement = statement.where(table.c.kind.in_(kinds))
        try:
            rows = conn.execute(statement.limit(limit)).all()
        except DBAPIError as exc:  # a query the engine's own parser still refuses
            raise InputError(f"the search query cannot be run ({exc.orig})", "simplify the query") from exc
    return [SearchRow(r[0], r[1], r[2], r[3], r[4], r[5], -float(r[6])) for r in rows]


def index_table_names(conn: Connection) -> set[str]:
    """The tables that make up SQLite's FTS5 index (the virtual table and its shadow tables).

    They hold derived data: backups leave them out and :func:`rebuild_index` rebuilds them.
    """
    if conn.dialect.name != "sqlite":
        return set()
    rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars()
    return {name for name in rows if name == _FTS_TABLE or name.startswith(_FTS_TABLE + "_")}


def rebuild_index(conn: Connection) -> None:
    """Rebuild SQLite's FTS5 index from ``search_entries`` (PostgreSQL's index needs no rebuild)."""
    if conn.dialect.name == "sqlite" and index_table_names(conn):
        conn.exec_driver_sql(f"INSERT INTO {_FTS_TABLE}({_FTS_TABLE}) VALUES ('rebuild')")


def reindex(engine: Engine) -> None:
    """:func:`rebuild_index` in its own transaction."""
    with begin_write(engine) as conn:
        rebuild_index(conn)
