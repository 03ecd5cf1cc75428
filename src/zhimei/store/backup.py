"""Portable logical backups: one gzip'd JSON-lines file that restores into SQLite or PostgreSQL alike.

File layout (gzip; the header and the body are two gzip members, read as one stream)::

    {"format": "zhimei-backup", "format_version": 1, "revision": "0001", "tables": {...}, "body_sha256": ...}
    {"table": "generations", "row": {"id": "...", "created_at": "2025-05-01T08:00:00.123456+00:00", ...}}
    ...

The header's ``tables`` maps each table to its row count and columns; ``body_sha256`` and ``body_bytes``
cover every byte after the header line. Timestamps are ISO 8601 in UTC; JSON columns hold their JSON value.
Rows come in foreign-key order, each table sorted by primary key, so one database's backup body is the same
byte for byte whichever engine holds it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    event,
    func,
    select,
    text,
)
from sqlalchemy.engine.interfaces import ReflectedColumn
from sqlalchemy.engine.reflection import Inspector
from sqlalchemy.exc import DBAPIError

import zhimei
from zhimei.errors import StorageError
from zhimei.store.db import begin_write, describe, os_storage_error
from zhimei.store.migrate import current_revision, known_revisions, upgrade
from zhimei.store.schema import UTCDateTime, json_column
from zhimei.store.search import index_table_names, rebuild_index

__all__ = ["FORMAT", "FORMAT_VERSION", "BackupHeader", "backup", "restore", "verify_backup"]

FORMAT = "zhimei-backup"
FORMAT_VERSION = 1
_VERSION_TABLE = "alembic_version"
_BATCH = 1000
_MAX_HEADER_BYTES = 1 << 20


@dataclass(frozen=True)
class BackupHeader:
    """What a backup holds: schema revision, tables with row counts and columns, and the body checksum."""

    revision: str
    row_counts: dict[str, int]
    columns: dict[str, tuple[str, ...]]
    body_sha256: str
    body_bytes: int
    created_at: datetime
    source_dialect: str
    zhimei_version: str
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": self.format_version,
            "zhimei_version": self.zhimei_version,
            "created_at": self.created_at.isoformat(),
            "source_dialect": self.source_dialect,
            "revision": self.revision,
            "tables": {
                name: {"rows": self.row_counts[name], "columns": list(self.columns[name])}
                for name in self.row_counts
            },
            "body_sha256": self.body_sha256,
            "body_bytes": self.body_bytes,
        }

    @classmethod
    def from_json(cls, data: Any, where: str) -> BackupHeader:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StorageError(f"{where} is not a zhimei backup", "pass a file written by zhimei's backup")
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise StorageError(
                f"{where} has backup format {version!r}; this zhimei reads up to {FORMAT_VERSION}",
                "restore it with the newer zhimei that wrote it",
            )
        try:
            tables = data["tables"]
            return cls(
                revision=str(data["revision"]),
                row_counts={str(name): int(info["rows"]) for name, info in tables.items()},
                columns={str(name): tuple(str(c) for c in info["columns"]) for name, info in tables.items()},
                body_sha256=str(data["body_sha256"]),
                body_bytes=int(data["body_bytes"]),
                created_at=datetime.fromisoformat(data["created_at"]),
                source_dialect=str(data["source_dialect"]),
                zhimei_version=str(data["zhimei_version"]),
                format_version=version,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StorageError(f"{where} has a damaged header ({exc!r})", "use another backup file") from exc


def backup(engine: Engine, path: str | os.PathLike[str]) -> BackupHeader:
    """Write every zhimei table of the database to the backup file ``path`` and return its header.

    All tables are read in one transaction (a consistent snapshot, while other processes keep writing). The
    file appears at ``path`` only once complete: a failed backup leaves no partial file behind.
    """
    target = Path(path)
    where = describe(engine)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=target.parent, prefix=f".{target.name}.") as body_file:
            with engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                with conn.begin():
                    revision = current_revision(conn)  # SQLite: this first read fixes the snapshot
                    if revision is None:
                        raise StorageError(f"the {where} has no zhimei tables", "check the database URL")
                    tables = _reflect(conn)
                    counts, digest, size = _write_body(conn, tables, body_file)
            header = BackupHeader(
                revision=revision,
                row_counts=counts,
                columns={t.name: tuple(t.columns.keys()) for t in tables},
                body_sha256=digest,
                body_bytes=size,
                created_at=datetime.now(UTC),
                source_dialect=engine.dialect.name,
                zhimei_version=zhimei.__version__,
            )
            _publish(target, header, body_file)
    except OSError as exc:
        raise os_storage_error(exc, target, "write the backup") from exc
    return header


def verify_backup(path: str | os.PathLike[str]) -> BackupHeader:
    """Read the whole backup file and check it against its header; StorageError if damaged or truncated."""
    return _verify(Path(path), restoring=False)


def _verify(source: Path, *, restoring: bool) -> BackupHeader:
    with _BackupReader(source, restoring=restoring) as reader:
        for _line in reader.lines():
            pass
        reader.check_complete()
        return reader.header


def restore(engine: Engine, path: str | os.PathLike[str], *, replace: bool = False) -> BackupHeader:
    """Load the backup at ``path`` into the database, all in one transaction.

    The file is verified first (a damaged one raises StorageError and the database is not touched). The
    database is migrated to the backup's schema revision; it must be empty unless ``replace`` is true, in
    which case its rows are replaced by the backup's. Any failure rolls everything back.
    """
    source = Path(path)
    header = _verify(source, restoring=True)
    where = describe(engine)
    known = known_revisions()
    if header.revision not in known:
        raise StorageError(
            f"{source} holds schema revision {header.revision}, unknown to this zhimei",
            "restore it with the newer zhimei that wrote it",
        )
    with begin_write(engine) as conn:
        current = current_revision(conn)
        if current is not None and current not in known:
            raise StorageError(f"the {where} is at schema revision {current}, unknown here", "upgrade zhimei")
        if current is not None and known.index(current) > known.index(header.revision):
            raise StorageError(
                f"the {where} is at schema revision {current}, newer than the backup's {header.revision}",
                "restore into a new, empty database; upgrade it afterwards",
            )
        upgrade(conn, header.revision)
        tables = {t.name: t for t in _reflect(conn)}
        _check_shape(header, tables, source)
        if conn.dialect.name == "postgresql" and tables:
            # Writers wait until the restore commits; readers go on reading the old rows meanwhile.
            names = ", ".join(conn.dialect.identifier_preparer.quote(name) for name in tables)
            conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
        filled = {name: n for name, n in _count_rows(conn, tables.values()).items() if n}
        if filled and not replace:
            summary = ", ".join(f"{name}: {n} rows" for name, n in filled.items())
            raise StorageError(
                f"the {where} is not empty ({summary}); nothing was restored",
                "restore into an empty database, or pass replace=True to overwrite it",
            )
        if filled:
            _clear(conn, list(tables.values()))
        _load(conn, tables, source, header)
        rebuild_index(conn)  # derived from search_entries, which the backup holds
    return header


def _reflect(conn: Connection) -> list[Table]:
    """The database's own tables in foreign-key order, typed for portable values (without SQLite's
    full-text index tables: derived data, rebuilt on restore)."""
    metadata = MetaData()
    event.listen(metadata, "column_reflect", _portable_type)
    derived = index_table_names(conn)
    metadata.reflect(bind=conn, only=lambda name, _metadata: name not in derived)
    return [t for t in metadata.sorted_tables if t.name != _VERSION_TABLE]


def _portable_type(_inspector: Inspector, _table: Table, column: ReflectedColumn) -> None:
    # Read timestamps as aware UTC and JSON with None as SQL NULL, exactly as schema.py does.
    if isinstance(column["type"], DateTime):
        column["type"] = UTCDateTime()
    elif isinstance(column["type"], JSON):
        column["type"] = json_column()


def _order(conn: Connection, table: Table) -> list[Any]:
    keys = list(table.primary_key.columns) or list(table.columns)
    if conn.dialect.name == "postgresql":
        # Byte order, as SQLite sorts, whatever the server's collation: same rows, same body, same checksum.
        return [k.collate("C") if isinstance(k.type, String) else k for k in keys]
    return keys


def _write_body(conn: Connection, tables: Sequence[Table], out: IO[bytes]) -> tuple[dict[str, int], str, int]:
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    size = 0
    options = {"yield_per": _BATCH} if conn.dialect.name == "postgresql" else {}
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        for table in tables:
            stamps = [c.name for c in table.columns if isinstance(c.type, UTCDateTime)]
            binary = [c.name for c in table.columns if isinstance(c.type, LargeBinary)]
            counts[table.name] = 0
            rows = conn.execute(select(table).order_by(*_order(conn, table)).execution_options(**options))
            for mapping in rows.mappings():
                row = dict(mapping)
                for name in stamps:
                    if row[name] is not None:
                        row[name] = row[name].isoformat()
                for name in binary:  # embeddings: base64 in the JSON line
                    if row[name] is not None:
                        row[name] = base64.b64encode(row[name]).decode("ascii")
                try:
                    line = _dumps({"table": table.name, "row": row}) + b"\n"
                except (TypeError, ValueError) as exc:
                    raise StorageError(
                        f"cannot back up a row of {table.name}: {exc}", "report this as a zhimei bug"
                    ) from exc
                digest.update(line)
                gz.write(line)
                size += len(line)
                counts[table.name] += 1
    return counts, digest.hexdigest(), size


def _publish(target: Path, header: BackupHeader, body_file: IO[bytes]) -> None:
    """Header member + body member into a temp file beside ``target``, synced, then renamed over it."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        with open(partial, "wb") as out:
            out.write(gzip.compress(_dumps(header.to_json()) + b"\n", mtime=0))
            body_file.seek(0)
            shutil.copyfileobj(body_file, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
        _fsync_dir(target.parent)
    except OSError:
        partial.unlink(missing_ok=True)
        raise


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class _BackupReader:
    """Streams a backup's body lines while hashing them; every read problem becomes a StorageError."""

    def __init__(self, path: Path, *, restoring: bool) -> None:
        self.path = path
        self.restoring = restoring
        self.digest = hashlib.sha256()
        self.size = 0
        self.count = 0
        try:
            self._file = gzip.open(path, "rb")  # noqa: SIM115 - closed by __exit__ or on a bad header
        except OSError as exc:
            raise os_storage_error(exc, path, "read the backup") from exc
        first = self._guard(lambda: self._file.readline(_MAX_HEADER_BYTES))
        if not first.endswith(b"\n"):
            self._file.close()
            raise self.damaged("it has no complete header line")
        try:
            data = json.loads(first)
        except ValueError:
            data = None
        try:
            self.header = BackupHeader.from_json(data, str(path))
        except StorageError:
            self._file.close()
            raise

    def __enter__(self) -> _BackupReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def lines(self) -> Iterator[bytes]:
        while True:
            line = self._guard(self._file.readline)
            if not line:
                return
            self.digest.update(line)
            self.size += len(line)
            self.count += 1
            if self.size > self.header.body_bytes:
                raise self.damaged("it is longer than its header says")
            yield line

    def check_complete(self) -> None:
        if self.size != self.header.body_bytes or self.digest.hexdigest() != self.header.body_sha256:
            raise self.damaged("its content does not match the checksum in its header")
        if self.count != sum(self.header.row_counts.values()):
            raise self.damaged("its row count does not match its header")

    def _guard(self, read: Any) -> bytes:
        try:
            data: bytes = read()
        except (OSError, EOFError, zlib.error) as exc:
            raise self.damaged(f"it cannot be read ({exc})") from exc
        return data

    def damaged(self, why: str) -> StorageError:
        outcome = "; nothing was restored" if self.restoring else ""
        return StorageError(
            f"the backup {self.path} is damaged or truncated: {why}{outcome}",
            "use another copy of the backup",
        )


def _check_shape(header: BackupHeader, tables: dict[str, Table], source: Path) -> None:
    for name, columns in header.columns.items():
        table = tables.get(name)
        if table is None or set(columns) != set(table.columns.keys()):
            raise StorageError(
                f"{source} does not fit the schema at revision {header.revision} (table {name})",
                "the backup was edited or written by a different zhimei build; use another copy",
            )


def _count_rows(conn: Connection, tables: Any) -> dict[str, int]:
    return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables}


def _clear(conn: Connection, tables: list[Table]) -> None:
    """Delete every row, inside the caller's transaction, past the append-only triggers.

    The triggers are lifted only within this transaction: if it rolls back, they are back untouched, and
    no other connection ever sees them missing (SQLite: we hold the write lock; PostgreSQL: ALTER TABLE
    holds an ACCESS EXCLUSIVE lock until commit).
    """
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name == "sqlite":
        names = {t.name for t in tables}
        triggers = [
            (name, sql)
            for name, table, sql in conn.exec_driver_sql(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
            )
            if table in names
        ]
        for name, _sql in triggers:
            conn.exec_driver_sql(f"DROP TRIGGER {quote(name)}")
        for table in reversed(tables):
            conn.execute(table.delete())
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)
    else:
        for table in tables:
            conn.exec_driver_sql(f"ALTER TABLE {quote(table.name)} DISABLE TRIGGER USER")
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            conn.exec_driver_sql(f"ALTER TABLE {quote(table.name)} ENABLE TRIGGER USER")


def _load(conn: Connection, tables: dict[str, Table], source: Path, header: BackupHeader) -> None:
    loaded = dict.fromkeys(header.row_counts, 0)
    batch: list[dict[str, Any]] = []
    batch_table: Table | None = None
    with _BackupReader(source, restoring=True) as reader:
        for line in reader.lines():
            name, row = _parse_line(line, reader)
            table = tables.get(name)
            if table is None or name not in loaded:
                raise reader.damaged(f"it has rows for table {name!r}, not listed in its header")
            if batch and table is not batch_table:
                _insert(conn, batch_table, batch)
                batch = []
            batch_table = table
            batch.append(_decode_row(table, row, reader))
            loaded[name] += 1
            if len(batch) >= _BATCH:
                _insert(conn, table, batch)
                batch = []
        if batch:
            _insert(conn, batch_table, batch)
        # The file could have changed since verify_backup read it: check again before committing.
        reader.check_complete()
        if loaded != header.row_counts:
            raise reader.damaged("its rows per table do not match its header")
    if conn.dialect.name == "postgresql":
        _advance_sequences(conn, tables.values())


def _parse_line(line: bytes, reader: _BackupReader) -> tuple[str, dict[str, Any]]:
    try:
        item = json.loads(line)
        name, row = item["table"], item["row"]
    except (ValueError, TypeError, KeyError) as exc:
        raise reader.damaged(f"line {reader.count} is not a row ({exc})") from exc
    if not isinstance(name, str) or not isinstance(row, dict):
        raise reader.damaged(f"line {reader.count} is not a row")
    return name, row


def _decode_row(table: Table, row: dict[str, Any], reader: _BackupReader) -> dict[str, Any]:
    if set(row) != set(table.columns.keys()):
        raise reader.damaged(f"line {reader.count} has other columns than table {table.name}")
    for column in table.columns:
        value = row[column.name]
        if isinstance(column.type, UTCDateTime) and value is not None:
            try:
                row[column.name] = datetime.fromisoformat(value)
            except (TypeError, ValueError) as exc:
                raise reader.damaged(f"line {reader.count} has a bad timestamp ({exc})") from exc
        elif isinstance(column.type, LargeBinary) and value is not None:
            try:
                row[column.name] = base64.b64decode(value, validate=True)
            except (TypeError, ValueError) as exc:
                raise reader.damaged(f"line {reader.count} has bad binary data ({exc})") from exc
    return row


def _insert(conn: Connection, table: Table | None, rows: list[dict[str, Any]]) -> None:
    if table is None or not rows:
        return
    try:
        conn.execute(table.insert(), rows)
    except DBAPIError as exc:
        raise StorageError(
            f"the backup's rows for {table.name} do not fit the database ({exc.orig}); nothing was restored",
            "check the backup with verify_backup and restore into an empty database",
        ) from exc


def _advance_sequences(conn: Connection, tables: Any) -> None:
    """Move serial/identity sequences past the restored ids, so the next insert does not collide."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote(table.name), "column": column.name},
            ).scalar()
            if sequence is not None:
                key, name = quote(column.name), quote(table.name)
                conn.execute(
                    text(f"SELECT setval(:seq, max({key})) FROM {name} HAVING count(*) > 0"),
                    {"seq": sequence},
                )
