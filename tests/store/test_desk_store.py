"""The desk's tables and repositories on SQLite and PostgreSQL: schema, append-only history,
optimistic concurrency, one live publication per key, edit pairs, backup and restore."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from tests.desk.workflow_support import EN_ARTICLE, EN_SUMMARY, START, make_desk
from zhimei.api import Zhimei, article_from_text
from zhimei.errors import StaleRevisionError
from zhimei.records import Draft
from zhimei.store import backup, restore
from zhimei.store.desk_store import DeskStore, DraftChange, DraftChangedError, NewAudit, NewPublication
from zhimei.store.desk_tables import APPEND_ONLY_TABLES
from zhimei.store.schema import Base

if TYPE_CHECKING:
    from tests.store.conftest import Databases

DESK_TABLES = {name for name in Base.metadata.tables if name.startswith("desk_")}


@pytest.fixture
def zm(db_url: str, tmp_path: Path) -> Zhimei:
    return make_desk(tmp_path / "home", database_url=db_url)


def _published(zm: Zhimei, tmp_path: Path) -> Draft:
    d = zm.drafts_new("summary", article_from_text(EN_ARTICLE), by="alice")
    zm.drafts_edit(
        d.id, EN_SUMMARY + " Critics asked the council for a public hearing.", by="alice", parent=1
    )
    zm.review_submit(d.id, by="alice")
    zm.review_approve(d.id, by="bob")
    zm.publish(d.id, "json", by="bob", target=tmp_path / "out")
    zm.drafts_comment(d.id, "nice", by="erin")
    zm.drafts_assign(d.id, "erin", by="bob")
    return zm.desk.store.draft(d.id)


def test_desk_tables_and_their_triggers(engine: Engine, kind: str) -> None:
    assert len(DESK_TABLES) == 11 and set(inspect(engine).get_table_names()) >= DESK_TABLES
    with engine.connect() as conn:
        if kind == "sqlite":
            rows = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'desk_%'")
            )
            expected = {f"{t}_no_update" for t in APPEND_ONLY_TABLES} | {
                f"{t}_no_delete"
                for t in (*APPEND_ONLY_TABLES, "desk_users", "desk_drafts", "desk_publications")
            }
        else:
            rows = conn.execute(
                text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'desk_%'")
            )
            no_delete = ("desk_users", "desk_drafts", "desk_publications")
            expected = (
                {f"{t}_append_only" for t in APPEND_ONLY_TABLES}
                | {f"{t}_no_delete" for t in no_delete}
                | {f"{t}_no_truncate" for t in (*APPEND_ONLY_TABLES, *no_delete)}
            )
        assert set(rows.scalars()) == expected


def test_history_cannot_be_rewritten_by_any_client(zm: Zhimei, tmp_path: Path, kind: str) -> None:
    _published(zm, tmp_path)
    with zm.engine.connect() as conn:
        filled = [t for t in APPEND_ONLY_TABLES if conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()]
    assert set(filled) == set(APPEND_ONLY_TABLES) - {"desk_acks"}  # triggers fire on rows
    for table in filled:
        for statement in (f"UPDATE {table} SET created_at = created_at", f"DELETE FROM {table}"):
            if table == "desk_sources":
                statement = statement.replace("created_at = created_at", "title = 'x'")
            with pytest.raises(DBAPIError, match=r"append-only|keeps its history"), zm.engine.begin() as conn:
                conn.execute(text(statement))
    for table in ("desk_drafts", "desk_publications", "desk_users"):
        with pytest.raises(DBAPIError, match=r"append-only|keeps its history"), zm.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {table}"))
    if kind == "postgres":
        with pytest.raises(DBAPIError, match="append-only"), zm.engine.begin() as conn:
            conn.execute(text("TRUNCATE desk_audit"))
    assert len(zm.audit()) == 3 + 9  # three users added; the draft's nine changes


def test_a_change_from_an_old_version_writes_nothing(zm: Zhimei) -> None:
    store: DeskStore = zm.desk.store
    d = zm.drafts_new("summary", article_from_text(EN_ARTICLE), by="alice")
    zm.drafts_assign(d.id, "bob", by="erin")  # the draft moves on to version 2
    stale = d.model_copy(update={"title": "Overwritten"})
    change = DraftChange(at=START, draft=stale, audit=(NewAudit("rename", "alice"),))
    with pytest.raises(DraftChangedError, match="changed while this change was prepared"):
        store.apply(d.id, change)
    current = store.draft(d.id)
    assert (current.title, current.version, current.assignee) == (d.title, 2, "bob")
    assert "rename" not in [e.action for e in store.audit(draft_id=d.id)]


def test_one_live_publication_per_key(zm: Zhimei, tmp_path: Path) -> None:
    d = _published(zm, tmp_path)
    (pub,) = zm.desk.store.publications(draft_id=d.id)
    again = NewPublication(
        revision=2, format="json", target=pub.target, key=pub.key, status="published", actor="bob"
    )
    with pytest.raises(DraftChangedError):
        zm.desk.store.apply(d.id, DraftChange(at=START + timedelta(hours=1), publications=(again,)))
    assert len(zm.desk.store.publications(draft_id=d.id)) == 1
    assert zm.desk.store.live_publication(pub.key) == pub


def test_records_read_back_as_written(zm: Zhimei, tmp_path: Path) -> None:
    d = _published(zm, tmp_path)
    view = zm.drafts_show(d.id)
    assert [r.number for r in view.revisions] == [1, 2] and view.head.spans == view.revisions[1].spans
    assert view.publications[0].label is not None and view.publications[0].label.reviewed_by == "bob"
    assert view.verification is not None and view.verification.lang == "en"
    assert [c.text for c in view.comments] == ["nice"] and view.draft.assignee == "erin"
    assert [r.decision for r in view.reviews] == ["submitted", "approved"]
    (pair,) = zm.edit_pairs()
    assert (pair.model_revision, pair.approved_revision, pair.approved_by) == (1, 2, "bob")
    for event in zm.audit(draft_id=d.id):
        assert event.created_at.tzinfo is not None


def test_two_editors_race_on_one_parent(zm: Zhimei) -> None:
    d = zm.drafts_new("summary", article_from_text(EN_ARTICLE), by="alice")
    other = Zhimei(zm.settings)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(api: Zhimei, who: str) -> None:
        barrier.wait()
        try:
            api.drafts_edit(d.id, f"{EN_SUMMARY} By {who}.", by=who, parent=1)
            outcomes.append("saved")
        except StaleRevisionError:
            outcomes.append("stale")

    threads = [threading.Thread(target=save, args=a) for a in ((zm, "bob"), (other, "erin"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.engine.dispose()
    assert sorted(outcomes) == ["saved", "stale"]
    assert [r.number for r in zm.desk.store.revisions(d.id)] == [1, 2]


def test_backup_and_restore_keep_the_desk(zm: Zhimei, tmp_path: Path, dbs: Databases, kind: str) -> None:
    d = _published(zm, tmp_path)
    path = tmp_path / "desk.backup"
    counts = backup(zm.engine, path).row_counts
    assert counts["desk_revisions"] == 2 and counts["desk_audit"] == 12
    target = dbs.engine(dbs.url(kind))
    restore(target, path)
    restored = DeskStore(target)
    assert restored.draft(d.id) == zm.desk.store.draft(d.id)
    assert restored.revisions(d.id) == zm.desk.store.revisions(d.id)
    assert restored.audit() == zm.desk.store.audit()
    # Restoring over a desk with history lifts the triggers only inside its own transaction.
    restore(target, path, replace=True)
    with pytest.raises(DBAPIError, match=r"append-only|keeps its history"), target.begin() as conn:
        conn.execute(text("DELETE FROM desk_audit"))
