"""``--batch``/``--out``/``--concurrency`` for every ``zhimei generate TASK`` command.

``batchable`` wraps a task command: its input option (``--file``, ``--data``, ``--files``) becomes
optional, and with ``--batch inputs.jsonl --out results.jsonl`` the command runs
``Zhimei.generate_batch`` instead, its task options (``--length``, ``--style`` …) becoming the
batch's defaults that lines may override. A progress bar and the summary go to stderr.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import typer

from zhimei.errors import InputError
from zhimei.interfaces.cli.common import EXIT_CHECKS_FAILED, err, get_zhimei

__all__ = ["EXIT_INPUTS_FAILED", "batchable"]

# Some inputs of a batch failed (their error lines say why); checks failing alone exit 8.
EXIT_INPUTS_FAILED = 10

_INPUT_OPTIONS = ("file", "data", "files")
_OPTIONS = ("temperature", "top_p", "max_tokens", "seed", "stop")
_NOT_IN_BATCH = {
    "row": 'give each line its own "row"',
    "stream": "",
    "n": "a batch writes one output per input",
}
# Command options whose TaskParams field has another name.
_PARAM_FIELDS = {"require": "required", "to": "target_lang"}

BatchOpt = Annotated[
    Path | None,
    typer.Option(
        "--batch",
        help='JSONL file of inputs, one JSON object per line: {"file": …} or {"text": …} (or {"data": …}), '
        'optional "id" and task options',
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="JSONL file the results are appended to; run again to resume"),
]
ConcurrencyOpt = Annotated[int, typer.Option(min=1, max=64, help="with --batch: inputs generated at once")]
_BATCH_PARAMS = (
    inspect.Parameter("batch", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=BatchOpt),
    inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=OutOpt),
    inspect.Parameter("concurrency", inspect.Parameter.KEYWORD_ONLY, default=1, annotation=ConcurrencyOpt),
)


def _optional(annotation: Any) -> Any:
    """``Annotated[T, Option]`` -> ``Annotated[T | None, Option]``."""
    base, *meta = get_args(annotation)
    return Annotated[(base | None, *meta)]


def batchable(
    task: str,
    command: Callable[..., None],
    make_params: Callable[..., Any],
    make_options: Callable[..., dict[str, Any]],
) -> Callable[..., None]:
    """``command`` with ``--batch``/``--out``/``--concurrency`` added (module doc).

    ``make_params(**values)`` builds TaskParams from option values, ``make_options(temperature,
    top_p, max_tokens, seed, stop)`` the sampling options, as the command itself does.
    """
    signature = inspect.signature(command, eval_str=True)
    hints = get_type_hints(command, include_extras=True)
    params: list[inspect.Parameter] = []
    input_name = None
    for param in signature.parameters.values():
        annotation = hints.get(param.name, param.annotation)
        if param.name in _INPUT_OPTIONS and get_origin(annotation) is Annotated:
            input_name = param.name
            if param.default is inspect.Parameter.empty:
                annotation, param = _optional(annotation), param.replace(default=None)
        params.append(param.replace(annotation=annotation))
    defaults = {p.name: p.default for p in params}

    @functools.wraps(command)
    def wrapper(**values: Any) -> None:
        batch, out, concurrency = values.pop("batch"), values.pop("out"), values.pop("concurrency")
        if batch is None:
            if out is not None or concurrency != 1:
                raise InputError("--out and --concurrency go with --batch", "add --batch inputs.jsonl")
            if input_name is not None and values.get(input_name) in (None, []):
                raise InputError(f"give --{input_name} (or --batch inputs.jsonl --out results.jsonl)")
            command(**values)
            return
        _run(task, batch, out, concurrency, values, defaults, input_name, make_params, make_options)

    wrapper.__signature__ = signature.replace(parameters=[*params, *_BATCH_PARAMS])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in (*params, *_BATCH_PARAMS)}
    return wrapper


def _run(
    task: str,
    batch: Path,
    out: Path | None,
    concurrency: int,
    values: dict[str, Any],
    defaults: dict[str, Any],
    input_name: str | None,
    make_params: Callable[..., Any],
    make_options: Callable[..., dict[str, Any]],
) -> None:
    if out is None:
        raise InputError("--batch needs --out: the file the results are appended to")
    ctx: typer.Context = values.pop("ctx")
    if input_name is not None and values.pop(input_name) not in (None, []):
        raise InputError(
            f"--{input_name} and --batch do not go together", "name the inputs in the JSONL file"
        )
    for name, why in _NOT_IN_BATCH.items():
        if name in values and values.pop(name) != defaults[name]:
            raise InputError(
                f"--{name.replace('_', '-')} does not apply with --batch" + (f": {why}" if why else "")
            )
    as_json = bool(values.pop("as_json", False))
    lang = values.pop("lang", None)
    options = make_options(*(values.pop(name, None) for name in _OPTIONS))
    params = make_params(**{_PARAM_FIELDS.get(k, k): v for k, v in values.items()})
    zm = get_zhimei(ctx)
    with _ProgressBar(task) as bar:
        summary = zm.generate_batch(
            task,
            batch,
            out,
            concurrency=concurrency,
            params=params,
            options=options,
            lang=lang,
            progress=bar.update,
        )
    rate = f"{summary.items_per_s:.2f} inputs/s, {summary.tokens_per_s:.1f} tokens/s"
    err.print(
        f"{task}: {summary.done} done, {summary.failed} failed, {summary.skipped} skipped"
        f" ({summary.checks_failed} with failed checks) in {summary.seconds:.1f} s, {rate} → {summary.out}"
    )
    if summary.repaired:
        err.print("[yellow]redid the unfinished last line of an interrupted run[/]")
    if as_json:
        report = {
            k: getattr(summary, k)
            for k in ("total", "done", "failed", "skipped", "checks_failed", "repaired")
        }
        report |= {"out": str(summary.out), "seconds": round(summary.seconds, 3)}
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    if summary.failed:
        err.print(f"[red]{summary.failed} inputs failed[/]: their error lines in {summary.out} say why")
        raise typer.Exit(EXIT_INPUTS_FAILED)
    if summary.checks_failed:
        raise typer.Exit(EXIT_CHECKS_FAILED)


class _ProgressBar:
    """A rich progress bar on stderr (drawn only on a terminal), counting ok and failed inputs."""

    def __init__(self, task: str) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn(f"{task}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        )
        self.id = self.progress.add_task(task, total=None, failed=0)
        self.failed = 0

    def __enter__(self) -> _ProgressBar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, finished: int, total: int, result: Any) -> None:
        self.failed += result is not None and result.status == "error"
        self.progress.update(self.id, completed=finished, total=total, failed=self.failed)
