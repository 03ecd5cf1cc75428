"""Batch generation on the scripted backend: resume, error lines, hostile input files, concurrency."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from zhimei.api import Zhimei
from zhimei.backends.scripted import ScriptedBackend
from zhimei.batch import MAX_LINE_BYTES, BatchResult, BatchSummary
from zhimei.config import Settings
from zhimei.errors import BackendError, InputError
from zhimei.records import Chunk, GenerationRequest

ZH = "国家统计局11月15日发布数据显示，10月份全国规模以上工业增加值同比增长5.3%。"
EN = "The city council voted 7-2 on Tuesday night to approve a $4.8 billion budget for the year."


def _last_line(request: GenerationRequest) -> str:
    """The source's last line: a grounded summary of these one-sentence stories."""
    content = request.messages[1].content
    lines = [ln.strip() for ln in content.splitlines() if ln.strip() and not ln.startswith("<")]
    return lines[-1]


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_results(path: Path) -> list[BatchResult]:
    return [BatchResult.model_validate_json(line) for line in path.read_text("utf-8").splitlines()]


def inputs(tmp_path: Path, n: int = 4) -> Path:
    rows: list[dict[str, Any]] = []
    for i in range(n):
        text = f"{EN} Item {i}." if i % 2 else f"{ZH}（第{i}条）"
        rows.append({"text": text, "id": f"story-{i}"})
    return write_jsonl(tmp_path / "in.jsonl", rows)


def make(settings: Settings, backend: Any = None) -> Zhimei:
    return Zhimei(settings, backend=backend or ScriptedBackend([_last_line]))


def run(zm: Zhimei, src: Path, out: Path, task: str = "summary", **kw: Any) -> BatchSummary:
    return zm.generate_batch(task, src, out, **kw)


def test_every_input_gets_one_result_line_and_one_logged_generation(
    settings: Settings, tmp_path: Path
) -> None:
    zm = make(settings)
    out = tmp_path / "out.jsonl"
    seen: list[tuple[int, int]] = []
    summary = run(zm, inputs(tmp_path), out, concurrency=2, progress=lambda f, t, r: seen.append((f, t)))
    results = read_results(out)
    assert (summary.total, summary.done, summary.failed, summary.skipped) == (4, 4, 0, 0)
    assert sorted(r.id for r in results if r.id) == [f"story-{i}" for i in range(4)]
    assert all(r.status == "ok" and r.output and r.generation_id for r in results)
    assert {g.id for g in zm.log(10)} == {r.generation_id for r in results}
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    assert summary.completion_tokens == sum(r.usage.completion_tokens for r in results) > 0


def test_rerun_skips_what_is_done_even_reordered(settings: Settings, tmp_path: Path) -> None:
    src, out = inputs(tmp_path), tmp_path / "out.jsonl"
    run(make(settings), src, out)
    lines = src.read_text("utf-8").splitlines()
    src.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    backend = ScriptedBackend([_last_line])
    again = run(make(settings, backend), src, out)
    assert (again.done, again.skipped) == (0, 4) and backend.calls == []
    assert len(read_results(out)) == 4


def test_changed_params_or_options_are_new_work(settings: Settings, tmp_path: Path) -> None:
    src, out = inputs(tmp_path, 2), tmp_path / "out.jsonl"
    run(make(settings), src, out)
    assert run(make(settings), src, out, options={"max_tokens": 100}).done == 2
    assert run(make(settings), src, out, options={"max_tokens": 100}).skipped == 2
    write_jsonl(src, [{"text": ZH, "length": 80}])
    assert run(make(settings), src, out).done == 1


class Interrupting(ScriptedBackend):
    """Answers for the first ``until`` stories, then raises KeyboardInterrupt as Ctrl-C would."""

    def __init__(self, until: int) -> None:
        super().__init__([_last_line])
        self.until = until

    def generate(self, request: GenerationRequest) -> Iterator[Chunk]:
        number = re.search(r"(?:Item |第)(\d+)", request.messages[1].content)
        assert number is not None
        if int(number.group(1)) >= self.until:
            raise KeyboardInterrupt
        yield from super().generate(request)


def test_interrupted_batch_resumes_where_it_stopped(settings: Settings, tmp_path: Path) -> None:
    src, out = inputs(tmp_path, 6), tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run(make(settings, Interrupting(until=3)), src, out)
    kept = read_results(out)
    assert len(kept) == 3 and all(r.status == "ok" for r in kept)
    resumed = run(make(settings), src, out)
    assert (resumed.done, resumed.skipped) == (3, 3)
    results = read_results(out)
    assert len({r.key for r in results}) == 6 and all(r.status == "ok" for r in results)


def test_a_line_cut_short_by_a_crash_is_dropped_and_redone(settings: Settings, tmp_path: Path) -> None:
    src, out = inputs(tmp_path), tmp_path / "out.jsonl"
    run(make(settings), src, out)
    data = out.read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    out.write_bytes(data[: last_start + (len(data) - last_start) // 2])  # half of the last line
    lost = json.loads(data[last_start:])["key"]
    summary = run(make(settings), src, out)
    assert (summary.repaired, summary.done, summary.skipped) == (1, 1, 3)
    results = read_results(out)  # every line parses again
    assert len(results) == 4 and results[-1].key == lost


def test_failing_inputs_become_error_lines_and_the_batch_goes_on(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(ZH, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    src = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"file": "good.txt"},
            {"file": "missing.txt", "id": 7},
            {"file": "empty.txt"},
            {"text": "BOOM " + EN},
            {"text": EN},
        ],
    )

    def reply(request: GenerationRequest) -> str:
        if "BOOM" in request.messages[1].content:
            raise BackendError("the model crashed", "restart it")
        return _last_line(request)

    out = tmp_path / "out.jsonl"
    summary = run(make(settings, ScriptedBackend([reply])), src, out, concurrency=2)
    assert (summary.done, summary.failed) == (2, 3)
    by_line = {r.line: r for r in read_results(out)}
    assert by_line[2].status == "error" and "missing.txt" in (by_line[2].error or "") and by_line[2].id == 7
    assert by_line[3].status == "error" and "empty" in (by_line[3].error or "")
    assert by_line[4].error == "the model crashed" and by_line[4].hint == "restart it"
    assert by_line[1].status == by_line[5].status == "ok"
    # A rerun retries the failures only.
    again = run(make(settings), src, out)
    assert (again.done, again.failed, again.skipped) == (1, 2, 2)


def test_a_backend_that_keeps_failing_stops_the_batch(settings: Settings, tmp_path: Path) -> None:
    def down(request: GenerationRequest) -> str:
        raise BackendError("cannot reach the server", "start it")

    backend = ScriptedBackend([down])
    out = tmp_path / "out.jsonl"
    with pytest.raises(BackendError) as info:
        run(make(settings, backend), inputs(tmp_path, 20), out)
    assert "in a row" in info.value.message and "resume" in info.value.hint
    assert len(backend.calls) == 5 and len(read_results(out)) == 5


HUGE = b'{"text": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"this is not json", "not valid JSON"),
        (b'["a", "list"]', "not an object"),
        (b"42", "not an object"),
        (b"{}", "no input"),
        (b'{"lang": "zh"}', "no input"),
        (b'{"text": "a", "file": "b.txt"}', "more than one input"),
        (b'{"text": "a", "colour": "red"}', "unknown field 'colour'"),
        (b'{"text": 5}', "'text' must be a non-empty string"),
        (b'{"text": "  "}', "'text' must be a non-empty string"),
        (b'{"text": "a", "lang": "fr"}', "'lang' must be"),
        (b'{"text": "a", "id": [1]}', "'id' must be"),
        (b'{"text": "a", "length": -3}', "invalid length"),
        (b'{"text": "a", "style": "formal"}', "does not take style"),
        (b'{"text": "\xff\xfe broken"}', "not valid UTF-8"),
        (HUGE, "longer than"),
    ],
)
def test_hostile_input_lines_are_refused_by_line_number_and_nothing_is_lost(
    settings: Settings, tmp_path: Path, line: bytes, message: str
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(json.dumps({"text": ZH}).encode() + b"\n" + line + b"\n" + b'{"text": "ok"}\n')
    out = tmp_path / "out.jsonl"
    earlier = BatchResult(key="0" * 64, line=1, task="summary", status="ok", output="x")
    out.write_text(earlier.model_dump_json() + "\n", encoding="utf-8")
    before = out.read_bytes()
    backend = ScriptedBackend([_last_line])
    with pytest.raises(InputError) as info:
        run(make(settings, backend), src, out)
    assert "line 2" in info.value.message and message in info.value.message
    assert "nothing was generated" in info.value.hint
    assert backend.calls == [] and out.read_bytes() == before


def test_many_bad_lines_are_listed_together(settings: Settings, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(["nope"] * 20) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        run(make(settings), src, tmp_path / "out.jsonl")
    assert "20 unusable lines" in info.value.message and "line 8:" in info.value.message
    assert "and 12 more" in info.value.message
    assert not (tmp_path / "out.jsonl").exists()


def test_empty_input_file_and_missing_file_are_input_errors(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "blank.jsonl").write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="no inputs"):
        run(make(settings), tmp_path / "blank.jsonl", tmp_path / "out.jsonl")
    with pytest.raises(InputError, match="cannot read"):
        run(make(settings), tmp_path / "nope.jsonl", tmp_path / "out.jsonl")


def test_an_output_file_that_is_not_a_batch_output_is_left_alone(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "notes.jsonl"
    out.write_text('{"title": "my notes"}\n{"title": "more"}\n', encoding="utf-8")
    before = out.read_bytes()
    with pytest.raises(InputError, match="line 1 is not a batch result"):
        run(make(settings), inputs(tmp_path), out)
    assert out.read_bytes() == before
    src = inputs(tmp_path)
    with pytest.raises(InputError, match="is the input file"):
        run(make(settings), src, src)


def test_two_batches_cannot_append_to_the_same_file(settings: Settings, tmp_path: Path) -> None:
    src, out = inputs(tmp_path, 2), tmp_path / "out.jsonl"
    started, release = threading.Event(), threading.Event()

    def slow(request: GenerationRequest) -> str:
        started.set()
        release.wait(10)
        return _last_line(request)

    first = threading.Thread(target=run, args=(make(settings, ScriptedBackend([slow])), src, out))
    first.start()
    try:
        assert started.wait(10)
        with pytest.raises(InputError, match="another batch is writing"):
            run(make(settings), src, out)
    finally:
        release.set()
        first.join(10)
    assert len(read_results(out)) == 2


class Counting(ScriptedBackend):
    """Tracks how many requests are being generated at once."""

    def __init__(self) -> None:
        super().__init__([_last_line])
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def generate(self, request: GenerationRequest) -> Iterator[Chunk]:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(0.03)
            yield from super().generate(request)
        finally:
            with self.lock:
                self.now -= 1


@pytest.mark.parametrize("concurrency", [1, 3])
def test_concurrency_is_a_bound_that_is_used(settings: Settings, tmp_path: Path, concurrency: int) -> None:
    backend = Counting()
    summary = run(
        make(settings, backend), inputs(tmp_path, 10), tmp_path / "out.jsonl", concurrency=concurrency
    )
    assert summary.done == 10
    assert backend.most == concurrency


class Batching(Counting):
    """A backend that decodes concurrent requests together while a session is open."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[int] = []
        self.inside = False

    @contextmanager
    def batching(self, slots: int) -> Iterator[None]:
        self.sessions.append(slots)
        self.inside = True
        try:
            yield
        finally:
            self.inside = False

    def generate(self, request: GenerationRequest) -> Iterator[Chunk]:
        assert self.inside
        yield from super().generate(request)


def test_batching_backends_get_a_session_sized_to_the_work(settings: Settings, tmp_path: Path) -> None:
    backend = Batching()
    run(make(settings, backend), inputs(tmp_path, 3), tmp_path / "out.jsonl", concurrency=8)
    assert backend.sessions == [3] and backend.most == 3


def test_record_tasks_take_inline_data_or_a_file_row(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "games.csv").write_text("team,points\nHawks,112\nBulls,99\n", encoding="utf-8")
    src = write_jsonl(
        tmp_path / "in.jsonl",
        [{"data": {"team": "Hawks", "points": 112}, "required": ["team"]}, {"file": "games.csv", "row": 1}],
    )
    backend = ScriptedBackend(["Hawks scored 112 points.", "Bulls scored 99 points."])
    summary = run(make(settings, backend), src, tmp_path / "out.jsonl", task="brief")
    assert summary.done == 2
    prompts = " ".join(c.messages[1].content for c in backend.calls)
    assert "Hawks" in prompts and "Bulls" in prompts
    with pytest.raises(InputError, match="unknown field 'text'"):
        run(make(settings), inputs(tmp_path, 1), tmp_path / "other.jsonl", task="brief")


def test_sampled_batches_get_a_seed_per_input_that_survives_a_rerun(
    settings: Settings, tmp_path: Path
) -> None:
    src, out = inputs(tmp_path, 2), tmp_path / "out.jsonl"
    zm = make(settings)
    run(zm, src, out, options={"temperature": 0.7})
    seeds = {g.options.seed for g in zm.log(5)}
    out.unlink()
    zm2 = make(settings)
    run(zm2, src, out, options={"temperature": 0.7})
    assert len(seeds) == 2 and {g.options.seed for g in zm2.log(2)} == seeds


def test_generations_are_logged_from_the_calling_thread_so_any_store_works(
    settings: Settings, tmp_path: Path
) -> None:
    # In-memory SQLite gives each thread its own empty database: logging from worker threads would fail.
    zm = make(settings.model_copy(update={"database_url": "sqlite://"}))
    summary = run(zm, inputs(tmp_path, 6), tmp_path / "out.jsonl", concurrency=4)
    assert summary.done == 6 and len(zm.log(10)) == 6


def test_the_generation_log_takes_appends_from_many_threads(settings: Settings, tmp_path: Path) -> None:
    # The SQLite file store itself is thread-safe too: WAL, BEGIN IMMEDIATE and a busy timeout.
    zm = make(settings)
    (gen,) = zm.generate("headline", zm.article(ZH))
    log = zm.generation_log
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            for i in range(10):
                log.append(gen.model_copy(update={"id": f"{n}-{i}"}))
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and log.count() == 41
