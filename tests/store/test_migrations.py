"""Migrations: from empty to head on both databases, idempotent, transactional, and matching schema.py."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from zhimei.errors import StorageError
from zhimei.records import Generation
from zhimei.store import GenerationLog, current_revision, head_revision, upgrade
from zhimei.store.db import begin_write
from zhimei.store.migrate import known_revisions
from zhimei.store.schema import Base
from zhimei.store.search import index_table_names

if TYPE_CHECKING:
    from tests.store.conftest import Databases


def test_revisions_are_one_numbered_chain() -> None:
    revisions = known_revisions()
    assert revisions[0] == "0001" and head_revision() == revisions[-1]
    assert revisions == [f"{i:04d}" for i in range(1, len(revisions) + 1)]


def test_upgrade_from_empty(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    inspector = inspect(empty_engine)
    assert {"generations", "alembic_version"} <= set(inspector.get_table_names())
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("generations")}
    assert indexes == {
        "ix_generations_created_at": ["created_at"],
        "ix_generations_task_id": ["task_id"],
        "ix_generations_input_hash": ["input_hash"],
    }
    assert inspector.get_pk_constraint("generations")["constrained_columns"] == ["id"]


def test_upgrade_is_idempotent_and_keeps_data(engine: Engine, generations: list[Generation]) -> None:
    log = GenerationLog(engine)
    for gen in generations:
        log.append(gen)
    upgrade(engine)
    upgrade(engine, "head")
    assert current_revision(engine) == head_revision()
    assert log.last(len(generations)) == sorted(generations, key=lambda g: (g.created_at, g.id), reverse=True)


def test_upgrade_by_url(db_url: str, dbs: Databases) -> None:
    upgrade(db_url)
    assert current_revision(dbs.engine(db_url)) == head_revision()


def test_migrated_schema_matches_schema_py(engine: Engine) -> None:
    with engine.connect() as conn:
        derived = index_table_names(conn)  # SQLite's full-text index: made by migration 0003, no model

        def described(name: str | None, type_: str, _parent: object) -> bool:
            return not (type_ == "table" and name in derived)

        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": described})
        assert compare_metadata(context, Base.metadata) == []


def test_append_only_triggers_are_installed(engine: Engine, kind: str) -> None:
    with engine.connect() as conn:
        if kind == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'generations'"
            expected = {"generations_no_update", "generations_no_delete"}
        else:
            query = (
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'generations'::regclass AND NOT tgisinternal"
            )
            expected = {"generations_append_only", "generations_no_truncate"}
        assert set(conn.execute(text(query)).scalars()) == expected


def test_upgrade_inside_a_failed_transaction_leaves_nothing(empty_engine: Engine) -> None:
    # Both databases have transactional DDL: a migration that fails midway leaves no half-made schema.
    with pytest.raises(RuntimeError, match="boom"), begin_write(empty_engine) as conn:
        upgrade(conn)
        assert current_revision(conn) == head_revision()
        raise RuntimeError("boom")
    assert current_revision(empty_engine) is None
    assert inspect(empty_engine).get_table_names() == []


def test_upgrade_needs_a_transaction_when_given_a_connection(empty_engine: Engine) -> None:
    with empty_engine.connect() as conn, pytest.raises(ValueError, match="transaction"):
        upgrade(conn)


def test_database_from_a_newer_zhimei_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StorageError, match="9999") as info:
        upgrade(engine)
    assert "upgrade zhimei" in str(info.value)


def test_concurrent_upgrades_both_succeed(empty_engine: Engine, db_url: str, dbs: Databases) -> None:
    other = dbs.engine(db_url)
    errors: list[BaseException] = []

    def run(target: Engine) -> None:
        try:
            upgrade(target)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in (empty_engine, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert current_revision(empty_engine) == head_revision()


def test_migrations_ship_inside_the_package() -> None:
    import zhimei.store

    folder = Path(zhimei.store.__file__).parent / "migrations"
    assert (folder / "env.py").is_file() and (folder / "script.py.mako").is_file()
    assert (folder / "versions" / "0001_generations.py").is_file()
    assert not (Path.cwd() / "alembic.ini").exists()  # nothing is read from the working directory
