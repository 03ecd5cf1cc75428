"""Batch generation: one task over a JSONL file of inputs, resumable, with bounded concurrency.

Each input line is a JSON object naming its input (``{"file": path}``, ``{"text": …, "lang": …}``,
``{"data": {…}}`` or ``{"file": path, "row": n}`` for record tasks, ``{"files": [...]}`` for
multi-source tasks), optionally an ``id`` echoed in its result, and optionally task parameters (``length`` …)
that override the batch's. Relative paths are relative to the JSONL file's folder. The whole file
is checked before anything runs: a malformed line is an InputError naming it, and nothing is written.

Results are appended to the output JSONL one line per input, each written, flushed and fsynced on
its own, so a killed run loses only the lines in flight. Every line carries a ``key``: the sha256 of
(task, id, input, parameters, options). Re-running with the same output skips the keys already
``ok`` there and redoes the rest, so failures are retried; a last line cut short by a crash is
dropped and redone. When a key appears more than once, its last line is the current one.

Up to ``concurrency`` inputs are generated at once, each in its own thread; backends that decode
several sequences together (``BatchingBackend``: the embedded one) are asked to, and servers with
parallel slots batch concurrent requests themselves. An input that fails becomes an error line and
the batch goes on; generations are logged to the store from the calling thread only.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zhimei.backends.base import Backend
from zhimei.errors import BackendError, InputError, StorageError, ZhimeiError
from zhimei.generation import GenerationSink, Listener, TaskInput, run_task
from zhimei.records import (
    ArticleInput,
    CheckResult,
    Generation,
    GenerationOptions,
    RecordInput,
    SourcesInput,
    TaskParams,
    Usage,
)
from zhimei.tasks.base import Task

__all__ = [
    "MAX_LINE_BYTES",
    "BatchItem",
    "BatchResult",
    "BatchSetup",
    "BatchSummary",
    "BatchingBackend",
    "Progress",
    "batch_key",
    "read_batch",
    "run_batch",
]

# One input line at most; longer texts belong in files named by {"file": …}.
MAX_LINE_BYTES = 8 * 1024 * 1024
# Problems listed in one error about a malformed input file.
_SHOWN_PROBLEMS = 8
# Fields that name the input, per input type: alternatives (exactly one is given) and extras.
_INPUT_FIELDS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ArticleInput: (("file", "text"), ("title", "lang")),
    RecordInput: (("data", "file"), ("row", "lang")),
    SourcesInput: (("files",), ("lang",)),
}


@runtime_checkable
class BatchingBackend(Protocol):
    """A backend that decodes concurrent ``generate`` calls together while a session is open."""

    def batching(self, slots: int) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class BatchItem:
    """One input line: where it is, its own id, the fields naming its input, and its task parameters."""

    line: int  # 1-based line number in the input file
    id: str | int | None
    source: Mapping[str, Any]  # file/text/title/lang, data/row, files, as given
    params: TaskParams
    base_dir: Path  # relative paths in ``source`` are relative to this folder

    def path(self, name: str) -> Path:
        """The path ``name`` of this line (relative to the input file's folder)."""
        return self.base_dir / Path(name).expanduser()


class BatchResult(BaseModel):
    """One line of the output file: an input's result (``ok``, possibly with failed checks) or its error."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    key: str
    line: int
    id: str | int | None = None
    task: str
    status: Literal["ok", "error"]
    prompt_version: str | None = None
    output: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    passed: bool | None = None
    failed_checks: tuple[CheckResult, ...] = ()
    generation_id: str | None = None
    attempts: int = 0
    usage: Usage = Usage()
    seconds: float = 0.0
    error: str | None = None
    hint: str | None = None


@dataclass(frozen=True)
class BatchSummary:
    """What one run did. ``skipped`` inputs were already done in the output file (or repeated)."""

    out: Path
    total: int
    done: int
    failed: int
    skipped: int
    checks_failed: int
    repaired: int  # unfinished last lines of an interrupted run, dropped and redone
    prompt_tokens: int
    completion_tokens: int
    seconds: float

    @property
    def items_per_s(self) -> float:
        return (self.done + self.failed) / self.seconds if self.seconds > 0 else 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class BatchSetup:
    """How a batch generates: backend, sampling options, retries, and where generations are logged."""

    backend: Backend
    model_requested: str
    options: Mapping[str, Any]
    max_retries: int
    sink: GenerationSink | None = None
    concurrency: int = 1


# (finished, total, the result just written; None for the first call, before any work)
Progress = Callable[[int, int, BatchResult | None], None]
Resolve = Callable[[BatchItem], TaskInput]


# -- reading the input file ---------------------------------------------------------------------


def _lines(path: Path) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes without the newline), None for a line over MAX_LINE_BYTES (not kept)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", "check the path") from exc
    with handle:
        number = 0
        while True:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_BYTES:
                while raw and not raw.endswith(b"\n"):  # skip the rest of the huge line
                    raw = handle.readline(MAX_LINE_BYTES)
                yield number, None
                continue
            yield number, raw.rstrip(b"\r\n")


class _BadLine(Exception):
    """Why one input line cannot be used (collected by read_batch into one InputError)."""


def _parse_line(raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        raise _BadLine(f"longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB (put long texts in a file)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadLine(f"not valid UTF-8 (byte {exc.start + 1})") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise _BadLine(f"a JSON {type(obj).__name__}, not an object")
    return obj


def _item(raw: bytes | None, number: int, task: Task[Any], base: TaskParams, base_dir: Path) -> BatchItem:
    """The item of one line; _BadLine says what is wrong with it."""
    obj = _parse_line(raw)
    alternatives, extras = _INPUT_FIELDS[task.input_type]
    param_names = set(TaskParams.model_fields)
    unknown = sorted(set(obj) - {"id", *alternatives, *extras, *param_names})
    if unknown:
        valid = ", ".join(sorted({"id", *alternatives, *extras, *task.params}))
        raise _BadLine(f"unknown field {', '.join(map(repr, unknown))} (valid: {valid})")
    given = [name for name in alternatives if name in obj]
    if len(given) != 1:
        choice = " or ".join(repr(a) for a in alternatives)
        raise _BadLine(("no input: give " if not given else "more than one input: give only ") + choice)
    _check_fields(obj)
    own = {k: v for k, v in obj.items() if k in param_names}
    if set(own) - task.params:
        raise _BadLine(f"task {task.id} does not take {', '.join(sorted(set(own) - task.params))}")
    try:
        params = TaskParams(**{**base.model_dump(exclude_unset=True), **own})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _BadLine(f"invalid {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    source = {k: v for k, v in obj.items() if k in alternatives or k in extras}
    return BatchItem(line=number, id=obj.get("id"), source=source, params=params, base_dir=base_dir)


def _check_fields(obj: Mapping[str, Any]) -> None:
    """Raise _BadLine for the first field of an input line with the wrong type or value."""
    for name in ("file", "text", "title"):
        if name in obj and (not isinstance(obj[name], str) or not obj[name].strip()):
            raise _BadLine(f"{name!r} must be a non-empty string")
    if "lang" in obj and obj["lang"] not in ("zh", "en", "auto"):
        raise _BadLine("'lang' must be zh, en or auto")
    if "data" in obj and (not isinstance(obj["data"], dict) or not obj["data"]):
        raise _BadLine("'data' must be a non-empty JSON object")
    if "row" in obj and (isinstance(obj["row"], bool) or not isinstance(obj["row"], int) or obj["row"] < 0):
        raise _BadLine("'row' must be an integer >= 0")
    files = obj.get("files")
    if "files" in obj and (
        not isinstance(files, list) or not files or not all(isinstance(v, str) and v.strip() for v in files)
    ):
        raise _BadLine("'files' must be a non-empty list of paths")
    if "id" in obj and (isinstance(obj["id"], bool) or not isinstance(obj["id"], str | int)):
        raise _BadLine("'id' must be a string or an integer")


def read_batch(path: Path, task: Task[Any], params: TaskParams | None = None) -> list[BatchItem]:
    """The items of the JSONL file ``path`` for ``task``; ``params`` are the batch's, lines override them.

    Blank lines are ignored. Every line is checked first: if any is malformed (not UTF-8, not JSON,
    not an object, no input or two, unknown or mistyped fields, over MAX_LINE_BYTES), InputError
    lists them by line number.
    """
    params = params or TaskParams()
    items: list[BatchItem] = []
    problems: list[str] = []
    count = 0
    base_dir = path.resolve().parent
    for number, raw in _lines(path):
        if raw is not None and not raw.strip():
            continue
        try:
            items.append(_item(raw, number, task, params, base_dir))
        except _BadLine as exc:
            count += 1
            if len(problems) < _SHOWN_PROBLEMS:
                problems.append(f"line {number}: {exc}")
    if count:
        more = f"; and {count - len(problems)} more" if count > len(problems) else ""
        raise InputError(
            f"{path} has {count} unusable line{'s' if count > 1 else ''}: " + "; ".join(problems) + more,
            "fix those lines and run again; nothing was generated",
        )
    if not items:
        raise InputError(f"{path} holds no inputs", 'write one JSON object per line, e.g. {"file": "a.txt"}')
    return items


# -- keys ---------------------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def batch_key(task_id: str, item: BatchItem, inp: TaskInput | None, options: Mapping[str, Any]) -> str:
    """sha256 of (task, id, input, parameters, options): what makes two results interchangeable.

    The input is the resolved one (so an edited file is redone); an input that cannot be resolved
    is keyed by its fields as given.
    """
    shown = inp.model_dump(mode="json") if inp is not None else {"unresolved": dict(item.source)}
    payload = {
        "task": task_id,
        "id": item.id,
        "input": shown,
        "params": item.params.model_dump(mode="json", exclude_defaults=True),
        "options": dict(options),
    }
    return hashlib.sha256(_canonical(payload).encode("utf-8")).hexdigest()


# -- the output file ----------------------------------------------------------------------------


class _Output(AbstractContextManager["_Output"]):
    """The results file: read what is done, drop a cut-off last line, append line by line durably."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: set[str] = set()
        self.repaired = 0
        self._file: IO[bytes] | None = None

    def __enter__(self) -> _Output:
        try:
            self._file = self.path.open("a+b")
        except OSError as exc:
            raise _os_error(exc, self.path, "open") from exc
        try:
            _lock(self._file, self.path)
            self._scan()
        except BaseException:
            self._file.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def _scan(self) -> None:
        handle = self._file
        assert handle is not None
        handle.seek(0)
        offset, number = 0, 0
        for raw in handle:
            number += 1
            if not raw.endswith(b"\n"):  # written when the previous run was killed: redo it
                self._truncate(offset)
                self.repaired += 1
                return
            offset += len(raw)
            if not raw.strip():
                continue
            try:
                result = BatchResult.model_validate_json(raw)
            except ValidationError:
                raise InputError(
                    f"{self.path} line {number} is not a batch result; the file is not the output of a batch",
                    "give --out a new file (or the output of an earlier run of this batch)",
                ) from None
            if result.status == "ok":
                self.done.add(result.key)

    def _truncate(self, size: int) -> None:
        assert self._file is not None
        try:
            self._file.truncate(size)
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise _os_error(exc, self.path, "repair") from exc

    def append(self, result: BatchResult) -> None:
        """Write one result line and make it durable before returning."""
        assert self._file is not None
        data = (result.model_dump_json(exclude_defaults=True) + "\n").encode("utf-8")
        try:
            self._file.write(data)
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise _os_error(exc, self.path, "write to") from exc


def _lock(handle: IO[bytes], path: Path) -> None:
    """Refuse a second batch appending to the same file at the same time."""
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        raise InputError(
            f"another batch is writing to {path}", "wait for it to finish, or give --out another file"
        ) from exc


def _os_error(exc: OSError, path: Path, doing: str) -> StorageError:
    return StorageError(
        f"cannot {doing} {path}: {exc.strerror or exc}", "check the path, its permissions and free disk space"
    )


# -- running ------------------------------------------------------------------------------------


@dataclass
class _Tally:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    checks_failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    backend_errors_in_a_row: int = 0
    last_backend_error: BackendError | None = None


@dataclass(frozen=True)
class _Job:
    item: BatchItem
    key: str
    inp: TaskInput | None
    error: ZhimeiError | None


def _result(task: Task[Any], job: _Job, seconds: float) -> dict[str, Any]:
    """The fields every result line has."""
    return {
        "key": job.key,
        "line": job.item.line,
        "id": job.item.id,
        "task": task.id,
        "seconds": round(seconds, 3),
    }


def _error_result(task: Task[Any], job: _Job, exc: Exception, seconds: float) -> BatchResult:
    if isinstance(exc, ZhimeiError):
        message, hint = exc.message, exc.hint or None
    else:  # a bug somewhere below; recorded so that one input cannot sink the batch
        message, hint = (
            f"{type(exc).__name__}: {exc}",
            "this is a bug in zhimei or a plug-in; please report it",
        )
    return BatchResult(**_result(task, job, seconds), status="error", error=message, hint=hint)


def _ok_result(task: Task[Any], job: _Job, gen: Generation, seconds: float) -> BatchResult:
    return BatchResult(
        **_result(task, job, seconds),
        status="ok",
        prompt_version=gen.prompt_version,
        output=gen.output.text if gen.output else None,
        fields=gen.output.fields if gen.output else {},
        passed=gen.passed,
        failed_checks=tuple(c for c in gen.checks_final if not c.passed),
        generation_id=gen.id,
        attempts=gen.attempts,
        usage=gen.usage,
    )


def _seed(key: str) -> int:
    # Sampled runs without a seed get one from the key: a resumed batch repeats what it would have done.
    return int(key[:8], 16) & 0x7FFFFFFF


def _generate(task: Task[Any], job: _Job, setup: BatchSetup) -> tuple[Generation, float]:
    assert job.inp is not None
    start = time.perf_counter()
    options = {"max_tokens": task.max_tokens(job.inp, job.item.params), "temperature": 0.0, **setup.options}
    if options.get("seed") is None:
        options["seed"] = _seed(job.key)
    gen = run_task(
        task,
        job.inp,
        job.item.params,
        setup.backend,
        GenerationOptions(**options),
        max_retries=setup.max_retries,
        model_requested=setup.model_requested,
        sink=None,  # logged from the calling thread (_Run.record): stores need not be thread-safe
        listener=Listener(),
    )
    return gen, time.perf_counter() - start


class _Run:
    """One pass over the jobs: up to ``concurrency`` at a time, results recorded as they complete."""

    def __init__(
        self, task: Task[Any], setup: BatchSetup, out: _Output, total: int, progress: Progress | None
    ):
        self.task = task
        self.setup = setup
        self.out = out
        self.total = total
        self.progress = progress
        self.tally = _Tally()
        self.finished = 0

    def advance(self, result: BatchResult | None, skipped: int = 0) -> None:
        self.finished += skipped + (result is not None)
        if self.progress is not None:
            self.progress(self.finished, self.total, result)

    def record(self, job: _Job, outcome: tuple[Generation, float] | Exception, seconds: float) -> None:
        """Log the generation, then append its line: a result line always has its logged generation."""
        tally = self.tally
        if isinstance(outcome, Exception):
            result = _error_result(self.task, job, outcome, seconds)
            tally.failed += 1
            if isinstance(outcome, BackendError):
                tally.backend_errors_in_a_row += 1
                tally.last_backend_error = outcome
            else:
                tally.backend_errors_in_a_row = 0
        else:
            gen, spent = outcome
            if self.setup.sink is not None:
                self.setup.sink.append(gen)
            result = _ok_result(self.task, job, gen, spent)
            tally.done += 1
            tally.checks_failed += not gen.passed
            tally.prompt_tokens += gen.usage.prompt_tokens
            tally.completion_tokens += gen.usage.completion_tokens
            tally.backend_errors_in_a_row = 0
        self.out.append(result)
        self.advance(result)

    def failing(self) -> bool:
        # A backend that failed this many inputs in a row is down, not unlucky with one input.
        limit = max(5, 2 * self.setup.concurrency)
        return self.tally.backend_errors_in_a_row >= limit

    def run(self, jobs: Sequence[_Job]) -> None:
        width = max(1, self.setup.concurrency)
        pending: dict[Future[tuple[Generation, float]], tuple[_Job, float]] = {}
        queue = iter(jobs)
        with ThreadPoolExecutor(width, thread_name_prefix="zhimei-batch") as pool:
            try:
                while True:
                    while len(pending) < width and not self.failing():
                        job = next(queue, None)
                        if job is None:
                            break
                        if job.error is not None:
                            self.record(job, job.error, 0.0)
                            continue
                        pending[pool.submit(_generate, self.task, job, self.setup)] = (
                            job,
                            time.perf_counter(),
                        )
                    if not pending:
                        break
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        self._collect(future, pending.pop(future))
            except BaseException:
                # Ctrl-C or a storage failure: start nothing new, keep what is already generating.
                for future in pending:
                    future.cancel()
                for future in list(pending):
                    if not future.cancelled():
                        self._collect(future, pending.pop(future), quiet=True)
                raise
        if self.failing():
            error = self.tally.last_backend_error
            assert error is not None
            raise BackendError(
                f"stopped the batch after {self.tally.backend_errors_in_a_row} inputs in a row failed in the "
                f"backend; the last: {error.message}",
                f"{error.hint + '; ' if error.hint else ''}results so far are in {self.out.path}: "
                "run the same command again to resume",
            )

    def _collect(
        self, future: Future[tuple[Generation, float]], job_start: tuple[_Job, float], quiet: bool = False
    ) -> None:
        job, start = job_start
        try:
            outcome: tuple[Generation, float] | Exception = future.result()
        except Exception as exc:  # every failure of one input becomes its error line
            outcome = exc
        try:
            self.record(job, outcome, time.perf_counter() - start)
        except ZhimeiError:
            if not quiet:
                raise


def _plan(
    task: Task[Any], items: Sequence[BatchItem], resolve: Resolve, options: Mapping[str, Any], done: set[str]
) -> tuple[list[_Job], int]:
    """Jobs still to do (unresolvable inputs carry their error) and how many were skipped."""
    jobs: list[_Job] = []
    seen = set(done)
    skipped = 0
    for item in items:
        try:
            inp: TaskInput | None = resolve(item)
            error: ZhimeiError | None = None
        except ZhimeiError as exc:
            inp, error = None, exc
        key = batch_key(task.id, item, inp, options)
        if key in seen:
            skipped += 1
            continue
        seen.add(key)
        jobs.append(_Job(item=item, key=key, inp=inp, error=error))
    return jobs, skipped


def run_batch(
    task: Task[Any],
    inputs: Path,
    out: Path,
    setup: BatchSetup,
    *,
    resolve: Resolve,
    params: TaskParams | None = None,
    progress: Progress | None = None,
) -> BatchSummary:
    """Generate ``task`` for every line of ``inputs`` not yet done in ``out``, appending a result each.

    ``params`` are the batch's task parameters (lines override them); ``resolve`` turns an item into
    the task's input (reading its files). An item it refuses, or whose generation fails, becomes an
    error line. Raises InputError for a malformed input file (see ``read_batch``), an ``out`` that is
    not a batch output or that another batch is writing to; StorageError if ``out`` cannot be
    written; BackendError when the backend fails many inputs in a row (it is down: resume later).
    """
    if setup.concurrency < 1:
        raise InputError("--concurrency must be at least 1")
    if out.exists() and inputs.exists() and out.samefile(inputs):
        raise InputError(f"--out {out} is the input file", "write the results to another file")
    start = time.perf_counter()
    items = read_batch(inputs, task, params)
    with _Output(out) as output:
        jobs, skipped = _plan(task, items, resolve, setup.options, output.done)
        run = _Run(task, setup, output, len(items), progress)
        run.tally.skipped = skipped
        run.advance(None, skipped)
        with ExitStack() as stack:
            backend = setup.backend
            if setup.concurrency > 1 and isinstance(backend, BatchingBackend) and len(jobs) > 1:
                stack.enter_context(backend.batching(min(setup.concurrency, len(jobs))))
            run.run(jobs)
    tally = run.tally
    return BatchSummary(
        out=out,
        total=len(items),
        done=tally.done,
        failed=tally.failed,
        skipped=tally.skipped,
        checks_failed=tally.checks_failed,
        repaired=output.repaired,
        prompt_tokens=tally.prompt_tokens,
        completion_tokens=tally.completion_tokens,
        seconds=time.perf_counter() - start,
    )
