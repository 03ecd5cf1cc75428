"""Sources: feeds, web pages and watched folders, with how their last run went and, for folders,
which files were read (so an unchanged file is not read again)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, RowMapping, delete, select, update
from sqlalchemy.exc import IntegrityError

from zhimei.errors import DuplicateError, NotFoundError, StorageError
from zhimei.records import Source, SourceKind, SourceRun, utcnow
from zhimei.store.db import begin_write, describe
from zhimei.store.intake_schema import FOLDER_FILES, SOURCES

__all__ = ["FolderFile", "SourceStore", "put_folder_file"]


@dataclass(frozen=True)
class FolderFile:
    """A file of a folder source as last read: size and mtime, and how reading it went."""

    path: str
    size: int
    mtime_ns: int
    status: str
    error: str | None
    documents: int


def _source(row: RowMapping) -> Source:
    data = dict(row)
    data["last_counts"] = data.get("last_counts") or {}
    try:
        return Source.model_validate(data)
    except ValidationError as exc:
        raise StorageError(
            f"a stored source ({row.get('name')!r}) does not match the current record format: {exc}",
            "upgrade the database with zhimei.store.upgrade(engine)",
        ) from exc


class SourceStore:
    """Repository of :class:`~zhimei.records.Source` rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self,
        kind: SourceKind,
        location: str,
        name: str,
        *,
        every: int | None = None,
        category: str | None = None,
    ) -> Source:
        """Store a new source. DuplicateError when the name, or the same kind and location, exists."""
        row = {
            "name": name,
            "kind": kind,
            "location": location,
            "every": every,
            "enabled": True,
            "category": category,
            "created_at": utcnow(),
            "failures": 0,
        }
        try:
            with begin_write(self.engine) as conn:
                new_id = conn.execute(SOURCES.insert().returning(SOURCES.c.id), row).scalar_one()
        except IntegrityError as exc:
            taken = self.find(name) or self._by_location(kind, location)
            what = f"named {name!r}" if taken and taken.name == name else f"for {location}"
            raise DuplicateError(
                f"there is already a source {what} in the {describe(self.engine)}",
                "list them with: zhimei sources list",
            ) from exc
        return self.get_by_id(int(new_id))

    def _by_location(self, kind: str, location: str) -> Source | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(SOURCES).where(SOURCES.c.kind == kind, SOURCES.c.location == location))
                .mappings()
                .first()
            )
        return None if row is None else _source(row)

    def find(self, name: str) -> Source | None:
        """The source called ``name``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(SOURCES).where(SOURCES.c.name == name)).mappings().first()
        return None if row is None else _source(row)

    def get(self, name: str) -> Source:
        """The source called ``name``; NotFoundError if there is none."""
        found = self.find(name)
        if found is None:
            raise NotFoundError(f"no source named {name!r}", "list them with: zhimei sources list")
        return found

    def get_by_id(self, source_id: int) -> Source:
        with self.engine.connect() as conn:
            row = conn.execute(select(SOURCES).where(SOURCES.c.id == source_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"no source with id {source_id}", "list them with: zhimei sources list")
        return _source(row)

    def list(self, *, enabled_only: bool = False) -> list[Source]:
        """Every source, in the order they were added."""
        query = select(SOURCES).order_by(SOURCES.c.id)
        if enabled_only:
            query = query.where(SOURCES.c.enabled.is_(True))
        with self.engine.connect() as conn:
            return [_source(row) for row in conn.execute(query).mappings()]

    def remove(self, name: str) -> Source:
        """Delete the source called ``name``; its documents stay (they no longer name a source)."""
        source = self.get(name)
        with begin_write(self.engine) as conn:
            conn.execute(delete(SOURCES).where(SOURCES.c.id == source.id))
        return source

    def set_enabled(self, name: str, enabled: bool) -> Source:
        source = self.get(name)
        with begin_write(self.engine) as conn:
            conn.execute(update(SOURCES).where(SOURCES.c.id == source.id).values(enabled=enabled))
        return self.get_by_id(source.id)

    def record_run(
        self,
        source_id: int,
        run: SourceRun,
        *,
        at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        keep_validators: bool = True,
    ) -> None:
        """Store how a run went. Validators change only on a run that read the resource fully
        (``keep_validators=False``), so an interrupted run fetches everything again next time."""
        values: dict[str, Any] = {
            "last_run_at": at,
            "last_status": run.status,
            "last_error": run.error,
            "last_error_kind": run.error_kind,
            "last_counts": {
                k: getattr(run, k) for k in ("new", "duplicate", "updated", "unchanged", "failed")
            },
        }
        if not keep_validators:
            values["etag"] = etag
            values["last_modified"] = last_modified
        with begin_write(self.engine) as conn:
            failures = SOURCES.c.failures + 1 if run.status == "failed" else 0
            conn.execute(update(SOURCES).where(SOURCES.c.id == source_id).values(**values, failures=failures))

    # -- folder files --------------------------------------------------------------------------
    def folder_files(self, source_id: int) -> dict[str, FolderFile]:
        """The files of a folder source as last read, by relative path."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(FOLDER_FILES).where(FOLDER_FILES.c.source_id == source_id)).mappings()
            return {
                r["path"]: FolderFile(
                    r["path"], r["size"], r["mtime_ns"], r["status"], r["error"], r["documents"]
                )
                for r in rows
            }


def put_folder_file(conn: Connection, source_id: int, file: FolderFile) -> None:
    """Remember how a file of a folder source was read (inside the caller's transaction)."""
    values = {
        "size": file.size,
        "mtime_ns": file.mtime_ns,
        "status": file.status,
        "error": file.error,
        "documents": file.documents,
        "seen_at": utcnow(),
    }
    where = (FOLDER_FILES.c.source_id == source_id, FOLDER_FILES.c.path == file.path)
    if conn.execute(update(FOLDER_FILES).where(*where).values(**values)).rowcount == 0:
        conn.execute(FOLDER_FILES.insert().values(source_id=source_id, path=file.path, **values))
