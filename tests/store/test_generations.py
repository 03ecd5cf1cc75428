"""GenerationLog on SQLite and PostgreSQL: exact round trips, order, and an append-only log."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from zhimei.errors import InputError, StorageError, ZhimeiError
from zhimei.records import Generation
from zhimei.store import DuplicateError, GenerationLog, NotFoundError


def test_records_round_trip_exactly(log: GenerationLog, generations: list[Generation]) -> None:
    for gen in generations:
        log.append(gen)
    for gen in generations:
        stored = log.get(gen.id)
        assert stored == gen
        assert stored.model_dump() == gen.model_dump()
        assert stored.created_at.tzinfo is not None and stored.created_at.utcoffset() == timedelta(0)
    assert log.count() == len(generations)


def test_round_trip_keeps_details(log: GenerationLog, generations: list[Generation]) -> None:
    headline, failed, brief = generations[0], generations[1], generations[2]
    for gen in (headline, failed, brief):
        log.append(gen)
    stored = log.get(headline.id)
    assert stored.options.stop == ("\n\n", "。") and isinstance(stored.checks_first, tuple)
    assert not stored.checks_first[0].passed and stored.passed
    assert stored.timings.total_s == headline.timings.total_s  # floats exactly, not approximately
    assert log.get(failed.id).output is None and not log.get(failed.id).passed
    assert list(log.get(brief.id).input["data"]) == list(brief.input["data"])  # key order kept
    assert log.get(brief.id).output.fields["score"] == 1e-7  # type: ignore[union-attr]


def test_output_none_is_sql_null(log: GenerationLog, engine: Engine, generations: list[Generation]) -> None:
    log.append(generations[1])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM generations WHERE output IS NULL")).scalar() == 1


def test_last_is_newest_first(log: GenerationLog, make_headline: Callable[..., Generation]) -> None:
    gens = [make_headline(i) for i in range(8)]
    for gen in [gens[i] for i in (3, 0, 7, 5, 1, 6, 2, 4)]:  # insertion order must not matter
        log.append(gen)
    assert [g.id for g in log.last(3)] == [gens[7].id, gens[6].id, gens[5].id]
    assert log.last(100) == list(reversed(gens))
    assert log.last(0) == []


def test_last_compares_instants_across_timezones(
    log: GenerationLog, make_headline: Callable[..., Generation]
) -> None:
    earlier_utc = make_headline(1, created_at=datetime.fromisoformat("2025-01-01T03:00:00+00:00"))
    later_beijing = make_headline(2, created_at=datetime.fromisoformat("2025-01-01T10:30:00+08:00"))  # 02:30Z
    log.append(earlier_utc)
    log.append(later_beijing)
    assert [g.id for g in log.last(2)] == [earlier_utc.id, later_beijing.id]


def test_last_breaks_ties_by_id(log: GenerationLog, make_headline: Callable[..., Generation]) -> None:
    same = datetime.fromisoformat("2025-02-02T02:02:02.020202+00:00")
    for n in (2, 9, 5):
        log.append(make_headline(n, created_at=same))
    assert [g.id for g in log.last(3)] == ["gen-zh-0009", "gen-zh-0005", "gen-zh-0002"]


def test_last_filters_by_task(log: GenerationLog, generations: list[Generation]) -> None:
    for gen in generations:
        log.append(gen)
    briefs = log.last(10, task_id="brief.v1")
    assert briefs and all(g.task_id == "brief.v1" for g in briefs)
    assert briefs == sorted(
        (g for g in generations if g.task_id == "brief.v1"), key=lambda g: g.created_at, reverse=True
    )
    assert log.last(10, task_id="nope.v1") == []
    with pytest.raises(ValueError):
        log.last(-1)


def test_get_unknown_raises_not_found(log: GenerationLog) -> None:
    with pytest.raises(NotFoundError) as info:
        log.get("gen-missing")
    assert isinstance(info.value, ZhimeiError) and isinstance(info.value, KeyError)
    assert "gen-missing" in str(info.value)


def test_count_on_empty_log(log: GenerationLog) -> None:
    assert log.count() == 0


def test_same_record_twice_is_a_no_op(log: GenerationLog, generations: list[Generation]) -> None:
    log.append(generations[0])
    log.append(generations[0])
    assert log.count() == 1


def test_other_record_under_a_logged_id_is_refused(
    log: GenerationLog, make_headline: Callable[..., Generation]
) -> None:
    original = make_headline(1)
    log.append(original)
    with pytest.raises(DuplicateError):
        log.append(original.model_copy(update={"attempts": 9}))
    assert log.get(original.id) == original


def test_naive_timestamp_is_refused(log: GenerationLog, make_headline: Callable[..., Generation]) -> None:
    # The record itself refuses a naive time; a copy that skips validation is refused by the store.
    with pytest.raises(ValidationError, match="timezone"):
        make_headline(1, created_at=datetime(2025, 1, 1, 12, 0))
    sneaky = make_headline(1).model_copy(update={"created_at": datetime(2025, 1, 1, 12, 0)})
    with pytest.raises(InputError, match="naive"):
        log.append(sneaky)
    assert log.count() == 0


@pytest.mark.parametrize(
    "data",
    [{"when": datetime(2025, 1, 1).date()}, {"pair": (1, 2)}, {"x": float("nan")}, {"x": float("inf")}],
    ids=["date", "tuple", "nan", "inf"],
)
def test_values_json_cannot_hold_exactly_are_refused(
    log: GenerationLog, make_headline: Callable[..., Generation], data: dict[object, object]
) -> None:
    gen = make_headline(1).model_copy(update={"input": data})
    with pytest.raises(InputError):
        log.append(gen)
    assert log.count() == 0


def test_update_is_rejected_by_the_database(
    log: GenerationLog, engine: Engine, generations: list[Generation]
) -> None:
    log.append(generations[0])
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE generations SET attempts = 99 WHERE id = :id"), {"id": generations[0].id})
    assert log.get(generations[0].id) == generations[0]


def test_delete_is_rejected_by_the_database(
    log: GenerationLog, engine: Engine, generations: list[Generation]
) -> None:
    for gen in generations[:3]:
        log.append(gen)
    for statement in ("DELETE FROM generations WHERE id = :id", "DELETE FROM generations"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement), {"id": generations[0].id})
    assert log.count() == 3


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["postgres"], indirect=True)
def test_truncate_is_rejected_by_postgres(
    log: GenerationLog, engine: Engine, generations: list[Generation]
) -> None:
    log.append(generations[0])
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE generations CASCADE"))  # even cascading past the tables that refer to it
    assert log.count() == 1


def test_concurrent_appends_all_land(log: GenerationLog, make_headline: Callable[..., Generation]) -> None:
    errors: list[BaseException] = []

    def writer(start: int) -> None:
        try:
            for n in range(start, start + 8):
                log.append(make_headline(n))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k * 100,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert log.count() == 32


def test_missing_schema_says_to_migrate(empty_engine: Engine) -> None:
    with pytest.raises(StorageError, match="migrations"):
        GenerationLog(empty_engine).count()
