"""Backup and restore: portable across SQLite and PostgreSQL, verified, all-or-nothing, append-only kept."""

from __future__ import annotations

import gzip
import hashlib
import importlib
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from zhimei.errors import StorageError
from zhimei.records import Generation
from zhimei.store import (
    GenerationLog,
    backup,
    current_revision,
    head_revision,
    restore,
    upgrade,
    verify_backup,
)

if TYPE_CHECKING:
    from tests.store.conftest import Databases

PG = pytest.mark.postgres
# The package exports the function backup(), which hides the module of the same name.
backup_module = importlib.import_module("zhimei.store.backup")


def _filled(dbs: Databases, kind: str, gens: list[Generation]) -> Engine:
    engine = dbs.engine(dbs.url(kind))
    upgrade(engine)
    log = GenerationLog(engine)
    for gen in gens:
        log.append(gen)
    return engine


def _everything(engine: Engine) -> list[Generation]:
    log = GenerationLog(engine)
    return log.last(log.count())


def _newest_first(gens: list[Generation]) -> list[Generation]:
    return sorted(gens, key=lambda g: (g.created_at, g.id), reverse=True)


def _assert_append_only(engine: Engine) -> None:
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM generations"))


def _rewrite(
    source: Path,
    target: Path,
    *,
    header: Callable[[dict[str, Any]], None] = lambda h: None,
    body: Callable[[list[bytes]], list[bytes]] = lambda b: b,
    fix_checksum: bool = True,
) -> None:
    """Write an edited copy of a backup; with fix_checksum the header matches the edited body."""
    first, *lines = gzip.decompress(source.read_bytes()).splitlines(keepends=True)
    head = json.loads(first)
    lines = body(lines)
    if fix_checksum:
        joined = b"".join(lines)
        head["body_sha256"] = hashlib.sha256(joined).hexdigest()
        head["body_bytes"] = len(joined)
    header(head)
    target.write_bytes(gzip.compress(json.dumps(head).encode() + b"\n" + b"".join(lines)))


@pytest.mark.parametrize(
    ("source_kind", "target_kind"),
    [
        ("sqlite", "sqlite"),
        pytest.param("sqlite", "postgres", marks=PG),
        pytest.param("postgres", "sqlite", marks=PG),
        pytest.param("postgres", "postgres", marks=PG),
    ],
)
def test_round_trip(
    dbs: Databases, tmp_path: Path, generations: list[Generation], source_kind: str, target_kind: str
) -> None:
    source = _filled(dbs, source_kind, generations)
    path = tmp_path / "zhimei.backup"
    header = backup(source, path)
    assert header.row_counts["generations"] == len(generations)
    assert sum(header.row_counts.values()) == len(generations)  # every other table empty
    assert header.revision == head_revision() and header.source_dialect == source.dialect.name

    target = dbs.engine(dbs.url(target_kind))
    restored = restore(target, path)
    assert restored.body_sha256 == header.body_sha256
    assert current_revision(target) == header.revision
    assert _everything(target) == _everything(source)
    assert [GenerationLog(target).get(g.id) for g in generations] == generations
    _assert_append_only(target)

    # The same rows make the same body, byte for byte, whichever database holds them.
    again = backup(target, tmp_path / "again.backup")
    assert (again.body_sha256, again.row_counts) == (header.body_sha256, header.row_counts)


def test_header_describes_the_body(engine: Engine, tmp_path: Path, generations: list[Generation]) -> None:
    for gen in generations:
        GenerationLog(engine).append(gen)
    path = tmp_path / "nested" / "dir" / "zhimei.backup"
    header = backup(engine, path)
    first, *rows = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    head = json.loads(first)
    assert head["format"] == "zhimei-backup" and head["format_version"] == 1
    assert head["revision"] == head_revision() and head["tables"]["generations"]["rows"] == len(generations)
    assert "created_at" in head["tables"]["generations"]["columns"]
    assert head["body_sha256"] == hashlib.sha256(b"".join(rows)).hexdigest() == header.body_sha256
    assert head["body_bytes"] == sum(map(len, rows))
    assert {json.loads(r)["table"] for r in rows} == {"generations"}
    assert verify_backup(path) == header
    assert [p.name for p in path.parent.iterdir()] == ["zhimei.backup"]  # no temp files left


def test_empty_database_round_trips(engine: Engine, dbs: Databases, tmp_path: Path) -> None:
    path = tmp_path / "empty.backup"
    assert set(backup(engine, path).row_counts.values()) == {0}
    target = dbs.engine(dbs.url("sqlite"))
    restore(target, path)
    assert GenerationLog(target).count() == 0 and current_revision(target) == head_revision()


def test_backup_of_an_unmigrated_database_is_refused(empty_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no zhimei tables"):
        backup(empty_engine, tmp_path / "out" / "x.backup")
    assert list((tmp_path / "out").iterdir()) == []


def test_backup_to_an_unusable_place_is_a_storage_error(engine: Engine, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match=str(blocker)):
        backup(engine, blocker / "zhimei.backup")


def test_restore_refuses_a_non_empty_database(
    engine: Engine, sample_backup: Path, make_headline: Callable[..., Generation]
) -> None:
    mine = make_headline(500)
    GenerationLog(engine).append(mine)
    with pytest.raises(StorageError, match="not empty") as info:
        restore(engine, sample_backup)
    assert "replace=True" in str(info.value)
    assert _everything(engine) == [mine]


def test_restore_with_replace_swaps_the_content_and_keeps_it_append_only(
    engine: Engine,
    sample_backup: Path,
    generations: list[Generation],
    make_headline: Callable[..., Generation],
) -> None:
    log = GenerationLog(engine)
    for gen in [generations[0], generations[4], make_headline(500)]:  # same ids must not collide
        log.append(gen)
    restore(engine, sample_backup, replace=True)
    assert _everything(engine) == _newest_first(generations)
    _assert_append_only(engine)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE generations SET attempts = 0"))


def _damage_flip(path: Path, out: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))


def _damage_truncate(path: Path, out: Path) -> None:
    data = path.read_bytes()
    out.write_bytes(data[: len(data) * 2 // 3])


def _damage_body(path: Path, out: Path) -> None:
    # A valid gzip whose body no longer matches the header's checksum: an edited row.
    def edit(rows: list[bytes]) -> list[bytes]:
        return [rows[0].replace(b'"attempts":', b'"attempts":1'), *rows[1:]]

    _rewrite(path, out, body=edit, fix_checksum=False)


def _damage_drop_row(path: Path, out: Path) -> None:
    _rewrite(path, out, body=lambda rows: rows[:-1], fix_checksum=False)


def _damage_not_gzip(path: Path, out: Path) -> None:
    out.write_bytes(b"id,created_at\n1,2025-01-01\n")


def _damage_foreign_json(path: Path, out: Path) -> None:
    out.write_bytes(gzip.compress(b'{"hello": "world"}\n'))


def _damage_empty(path: Path, out: Path) -> None:
    out.write_bytes(b"")


@pytest.mark.parametrize(
    "damage",
    [
        _damage_flip,
        _damage_truncate,
        _damage_body,
        _damage_drop_row,
        _damage_not_gzip,
        _damage_foreign_json,
        _damage_empty,
    ],
    ids=["flipped-byte", "truncated", "edited-row", "missing-row", "not-gzip", "not-a-backup", "empty-file"],
)
def test_damaged_backup_is_refused_and_the_database_untouched(
    engine: Engine,
    tmp_path: Path,
    sample_backup: Path,
    generations: list[Generation],
    damage: Callable[[Path, Path], None],
) -> None:
    bad = tmp_path / "bad.backup"
    damage(sample_backup, bad)
    log = GenerationLog(engine)
    log.append(generations[0])
    with pytest.raises(StorageError):
        verify_backup(bad)
    with pytest.raises(StorageError):
        restore(engine, bad, replace=True)
    assert _everything(engine) == [generations[0]]
    _assert_append_only(engine)


def test_missing_backup_file_is_a_storage_error(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"nope\.backup"):
        restore(engine, tmp_path / "nope.backup")
    assert current_revision(engine) == head_revision()


def test_failure_midway_rolls_everything_back(
    engine: Engine, tmp_path: Path, sample_backup: Path, generations: list[Generation]
) -> None:
    # A well-formed file whose checksum is right but whose rows collide: the insert fails after the old
    # rows were deleted and the triggers lifted; all of that must roll back.
    good, bad = sample_backup, tmp_path / "bad.backup"

    def duplicate_last(head: dict[str, Any]) -> None:
        head["tables"]["generations"]["rows"] += 1

    _rewrite(good, bad, header=duplicate_last, body=lambda rows: [*rows, rows[-1]])
    log = GenerationLog(engine)
    for gen in generations[:3]:
        log.append(gen)
    with pytest.raises(StorageError, match="nothing was restored"):
        restore(engine, bad, replace=True)
    assert log.count() == 3
    assert [log.get(g.id) for g in generations[:3]] == generations[:3]
    _assert_append_only(engine)


def test_backup_from_a_newer_zhimei_is_refused(
    empty_engine: Engine, tmp_path: Path, sample_backup: Path
) -> None:
    good, newer = sample_backup, tmp_path / "newer.backup"
    _rewrite(good, newer, header=lambda head: head.update(revision="9999"))
    with pytest.raises(StorageError, match="9999"):
        restore(empty_engine, newer)
    assert current_revision(empty_engine) is None  # not even migrated

    _rewrite(good, newer, header=lambda head: head.update(format_version=2))
    with pytest.raises(StorageError, match="format 2"):
        restore(empty_engine, newer)


def test_restore_into_an_unmigrated_database_migrates_it(
    empty_engine: Engine, sample_backup: Path, generations: list[Generation]
) -> None:
    assert current_revision(empty_engine) is None
    restore(empty_engine, sample_backup)
    assert current_revision(empty_engine) == head_revision()
    assert _everything(empty_engine) == _newest_first(generations)


def test_backup_is_a_snapshot_while_others_write(
    engine: Engine,
    dbs: Databases,
    tmp_path: Path,
    generations: list[Generation],
    make_headline: Callable[..., Generation],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = GenerationLog(engine)
    for gen in generations:
        log.append(gen)
    late = make_headline(777)
    written: list[Generation] = []
    dumps = backup_module._dumps

    def dumps_while_someone_appends(value: Any) -> bytes:
        if not written and isinstance(value, dict) and "row" in value:
            # Another connection logs a generation while the backup is halfway through reading.
            def write() -> None:
                log.append(late)
                written.append(late)

            writer = threading.Thread(target=write)
            writer.start()
            writer.join(timeout=10)
            assert written, "the writer was blocked by the backup"
        return dumps(value)

    monkeypatch.setattr(backup_module, "_dumps", dumps_while_someone_appends)
    path = tmp_path / "zhimei.backup"
    header = backup(engine, path)
    assert header.row_counts["generations"] == len(generations)
    assert sum(header.row_counts.values()) == len(generations)  # every other table empty
    assert log.count() == len(generations) + 1

    target = dbs.engine(dbs.url("sqlite"))
    restore(target, path)
    assert sorted(g.id for g in _everything(target)) == sorted(g.id for g in generations)


def test_restored_serial_ids_continue(dbs: Databases, kind: str, tmp_path: Path) -> None:
    # Backups cover every table: one with database-made ids must go on after the restored ones.
    ddl = {
        "sqlite": "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)",
        "postgres": "CREATE TABLE notes (id SERIAL PRIMARY KEY, body TEXT NOT NULL)",
    }[kind]
    source, target = (dbs.engine(dbs.url(kind)) for _ in range(2))
    for engine in (source, target):
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text(ddl))
    with source.begin() as conn:
        conn.execute(text("INSERT INTO notes (body) VALUES ('一'), ('二'), ('三')"))
    path = tmp_path / "zhimei.backup"
    counts = backup(source, path).row_counts
    assert counts["notes"] == 3
    assert {name for name, rows in counts.items() if rows} == {"notes"}
    restore(target, path)
    with target.begin() as conn:
        new_id = conn.execute(text("INSERT INTO notes (body) VALUES ('四') RETURNING id")).scalar()
        assert new_id == 4
        assert conn.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all() == [
            "一",
            "二",
            "三",
            "四",
        ]
