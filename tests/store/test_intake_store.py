"""Intake tables on SQLite and PostgreSQL: schema, idempotent documents, search, backups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

import zhimei.store  # noqa: F401  (registers every table on the metadata)
from zhimei.intake.indexing import find, text_entry
from zhimei.intake.segment import parse_query
from zhimei.records import Document
from zhimei.sources.clean import make_document
from zhimei.store import backup, intake_schema, restore
from zhimei.store.db import begin_write
from zhimei.store.documents import (
    document_ids,
    get_document,
    indexed_documents,
    insert_document,
    locator_hashes,
    revise_document,
    set_vector,
)
from zhimei.store.schema import Base
from zhimei.store.search import index_table_names, put_entry, search
from zhimei.store.sources_repo import SourceStore

if TYPE_CHECKING:
    from tests.store.conftest import Databases

AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
INTAKE_TABLES = {
    t.name
    for t in (
        intake_schema.SOURCES,
        intake_schema.FOLDER_FILES,
        intake_schema.DOCUMENTS,
        intake_schema.DOCUMENT_VECTORS,
        intake_schema.STORIES,
        intake_schema.STORY_DOCUMENTS,
        intake_schema.NEAR_DUPLICATES,
        intake_schema.STORY_GENERATIONS,
        intake_schema.ARCHIVE,
        intake_schema.JOBS,
        intake_schema.SEARCH_ENTRIES,
    )
}


def doc(title: str, text: str, source: str = "wire") -> Document:
    return make_document(source=source, title=title, text=text)


def test_migrated_intake_schema_matches_the_tables(engine: Engine) -> None:
    def ours(_obj: object, name: str | None, type_: str, _reflected: bool, _other: object) -> bool:
        # The intake's own tables (SQLite's FTS5 index tables are described by no model).
        return type_ != "table" or name in INTAKE_TABLES

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": ours})
        assert compare_metadata(context, Base.metadata) == []
        derived = index_table_names(conn)
    names = set(inspect(engine).get_table_names())
    assert {"sources", "documents", "stories", "jobs", "search_entries", "archive_articles"} <= names
    assert derived == (
        {n for n in names if n.startswith("search_fts")} if engine.dialect.name == "sqlite" else set()
    )


def test_documents_are_stored_once_by_hash_and_once_per_locator(engine: Engine) -> None:
    source = SourceStore(engine).add("rss", "https://example.org/feed", "wire")
    first = doc("Rates cut", "The Fed cut rates by a quarter point on Wednesday.")
    revised = doc("Rates cut", "The Fed cut rates by a quarter point on Wednesday afternoon.")
    with begin_write(engine) as conn:
        new_id = insert_document(conn, first, source_id=source.id, locator="https://example.org/a", at=AT)
        assert new_id is not None
        assert (
            insert_document(conn, first, source_id=source.id, locator="https://example.org/b", at=AT) is None
        )
        assert (
            insert_document(conn, revised, source_id=source.id, locator="https://example.org/a", at=AT)
            is None
        )
        assert locator_hashes(conn, source.id, ["https://example.org/a"]) == {
            "https://example.org/a": (new_id, first.content_hash)
        }
        revise_document(conn, new_id, revised, AT + timedelta(hours=1))
        assert document_ids(conn, [revised.content_hash, first.content_hash]) == {
            revised.content_hash: new_id
        }
        set_vector(conn, new_id, "fake", 2, b"\x00\x00\x80?\x00\x00\x00\x00")
        with pytest.raises(ValueError):
            set_vector(conn, new_id, "fake", 3, b"\x00")
    stored = get_document(engine, new_id)
    assert stored.document == revised and stored.locator == "https://example.org/a"
    [indexed] = list(indexed_documents(engine))
    assert (
        indexed.vector == b"\x00\x00\x80?\x00\x00\x00\x00" and indexed.dim == 2 and indexed.story_id is None
    )
    SourceStore(engine).remove("wire")
    assert get_document(engine, new_id).source_id is None  # documents outlive their source


def _index(engine: Engine) -> None:
    texts = [
        ("美联储宣布降息25个基点", "美国联邦储备委员会宣布下调联邦基金利率，这是今年第三次降息。", AT),
        ("Fed cuts rates", "The Federal Reserve cut its interest rate by a quarter point.", AT),
        ("台风登陆", "中华人民共和国福建沿海今晨台风登陆。", AT - timedelta(days=30)),
    ]
    with begin_write(engine) as conn:
        for n, (title, text, at) in enumerate(texts, 1):
            put_entry(conn, text_entry("document", n, at, "zh" if n != 2 else "en", title, text))
        put_entry(conn, text_entry("archive", 1, AT, "en", "Old rates story", "Rates were cut in 2019."))


def test_search_works_alike_on_both_databases(engine: Engine) -> None:
    _index(engine)

    def refs(query: str, **kw: object) -> list[tuple[str, int]]:
        return sorted((h.kind, h.ref) for h in find(engine, query, **kw))  # type: ignore[arg-type]

    assert refs("降息") == [("document", 1)]
    assert refs("降息 OR rates") == [("archive", 1), ("document", 1), ("document", 2)]
    assert refs("rate cut", kinds=("document",)) == [("document", 2)]
    assert refs('"quarter point"') == [("document", 2)]
    assert refs('"point quarter"') == []
    assert refs("共和国") == [("document", 3)]  # a short word inside a long one
    assert refs("台风", since=AT - timedelta(days=1)) == []
    # Re-indexing one thing replaces its entry.
    with begin_write(engine) as conn:
        put_entry(conn, text_entry("document", 3, AT, "zh", "地震", "山区发生地震。"))
    assert refs("台风") == [] and refs("地震") == [("document", 3)]


@pytest.mark.parametrize(
    "query", ["NEAR(rate cut)", "rate*", "-rate", "rate'; DROP TABLE x; --", "a:b", "(a) & !b | c", "'\\"]
)
def test_hostile_queries_are_words_on_both_databases(engine: Engine, query: str) -> None:
    _index(engine)
    try:
        rows = search(engine, parse_query(query))
    except Exception as exc:  # only the typed refusal of a query without words is acceptable
        from zhimei.errors import InputError

        assert isinstance(exc, InputError)
    else:
        assert all(r.kind in ("document", "archive") for r in rows)
    assert find(engine, "rates")  # the index still answers


def test_backup_and_restore_keep_embeddings_and_rebuild_the_index(
    engine: Engine, dbs: Databases, kind: str, tmp_path: Path
) -> None:
    source = SourceStore(engine).add("folder", "/srv/inbox", "inbox")
    with begin_write(engine) as conn:
        new_id = insert_document(
            conn, doc("Rates", "Rates were cut."), source_id=source.id, locator="a.txt", at=AT
        )
        assert new_id is not None
        set_vector(conn, new_id, "fake", 2, b"\x01\x02\x03\x04\x05\x06\x07\x08")
    _index(engine)
    path = tmp_path / "intake.backup"
    header = backup(engine, path)
    assert header.row_counts["document_vectors"] == 1 and header.row_counts["search_entries"] == 4
    assert not any(name.startswith("search_fts") for name in header.row_counts)
    for target_kind in ("sqlite", kind):
        target = dbs.engine(dbs.url(target_kind))
        restore(target, path)
        [indexed] = list(indexed_documents(target))
        assert indexed.vector == b"\x01\x02\x03\x04\x05\x06\x07\x08"
        assert sorted(h.ref for h in find(target, "降息 OR rates", kinds=("document",))) == [1, 2]
        restore(target, path, replace=True)  # over itself: the index is rebuilt, not doubled
        assert sorted(h.ref for h in find(target, "rates")) == [1, 2]
        if target.dialect.name == "sqlite":  # FTS5 checks its index against search_entries
            with target.connect() as conn:
                conn.exec_driver_sql("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
