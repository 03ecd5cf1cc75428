"""The store: SQLAlchemy tables, Alembic migrations and repositories. All of zhimei's SQL lives here."""

from zhimei.errors import DuplicateError, NotFoundError
from zhimei.store.archive import ArchiveStore
from zhimei.store.auth import AuthStore
from zhimei.store.backup import BackupHeader, backup, restore, verify_backup
from zhimei.store.db import open_engine
from zhimei.store.desk_store import DeskStore
from zhimei.store.evaluations import EvalStore
from zhimei.store.generations import GenerationLog
from zhimei.store.jobs import JobQueue
from zhimei.store.migrate import current_revision, head_revision, upgrade
from zhimei.store.sources_repo import SourceStore

__all__ = [
    "ArchiveStore",
    "AuthStore",
    "BackupHeader",
    "DeskStore",
    "DuplicateError",
    "EvalStore",
    "GenerationLog",
    "JobQueue",
    "NotFoundError",
    "SourceStore",
    "backup",
    "current_revision",
    "head_revision",
    "open_engine",
    "restore",
    "upgrade",
    "verify_backup",
]
