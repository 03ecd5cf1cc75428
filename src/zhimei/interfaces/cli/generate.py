"""zhimei generate TASK: every writing task, from files."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from zhimei.api import Zhimei
from zhimei.errors import InputError
from zhimei.generation import Listener, TaskInput
from zhimei.interfaces.cli.batch_cmd import batchable
from zhimei.interfaces.cli.common import EXIT_CHECKS_FAILED, err, get_zhimei, print_json
from zhimei.records import CheckResult, Generation, TaskParams

app = typer.Typer(
    help="Write with a task: headline, summary, brief, article, rewrite, translate, script, adcopy, social.",
    no_args_is_help=True,
)

FileOpt = Annotated[Path, typer.Option("--file", "-f", help="article text file (txt/md; UTF-8 or GB18030)")]
LangOpt = Annotated[str | None, typer.Option(help="output language: zh, en or auto (follow the input)")]
NOpt = Annotated[int, typer.Option("--n", min=1, max=20, help="number of variants")]
LengthOpt = Annotated[int | None, typer.Option(help="length target: zh characters, en words")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the generation records as JSON")]
StreamOpt = Annotated[bool, typer.Option("--stream", help="print text as it is generated")]
TempOpt = Annotated[float | None, typer.Option(help="sampling temperature (0 = greedy)")]
TopPOpt = Annotated[float | None, typer.Option("--top-p", help="nucleus sampling mass")]
MaxTokOpt = Annotated[int | None, typer.Option("--max-tokens", help="reply token budget")]
SeedOpt = Annotated[int | None, typer.Option(help="random seed (variant i uses seed + i)")]
StopOpt = Annotated[list[str] | None, typer.Option("--stop", help="stop sequence (repeatable)")]


def _options(
    temperature: float | None,
    top_p: float | None,
    max_tokens: int | None,
    seed: int | None,
    stop: list[str] | None,
) -> dict[str, Any]:
    values = {
        "temperature": temperature,
        "top_p": top_p,
        "max_tokens": max_tokens,
        "seed": seed,
        "stop": tuple(stop) if stop else None,
    }
    return {k: v for k, v in values.items() if v is not None}


def _listener(stream: bool) -> Listener:
    def on_text(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def on_retry(attempt: int, failed: tuple[CheckResult, ...]) -> None:
        if stream:
            sys.stdout.write("\n")
        reasons = "; ".join(c.detail or c.name for c in failed)
        err.print(f"[yellow]retry {attempt}:[/] {reasons}")

    return Listener(on_text=on_text if stream else None, on_retry=on_retry)


def _report(gens: list[Generation], as_json: bool, stream: bool) -> None:
    if as_json:
        print_json([g.model_dump(mode="json") for g in gens])
    for i, gen in enumerate(gens):
        text = gen.output.text if gen.output else ""
        if not as_json:
            if stream:
                sys.stdout.write("\n")
                if gen.attempts > 1:
                    err.print(f"[dim]kept:[/] {text}")
            else:
                prefix = f"[{i + 1}] " if len(gens) > 1 else ""
                sys.stdout.write(f"{prefix}{text}\n")
        for check in gen.checks_final:
            if not check.passed:
                err.print(f"[red]check failed[/] ({check.name}): {check.detail}")
    if any(not g.passed for g in gens):
        raise typer.Exit(EXIT_CHECKS_FAILED)


def _generate(
    zm: Zhimei,
    task: str,
    inp: TaskInput,
    n: int,
    params: TaskParams,
    options: dict[str, Any],
    as_json: bool,
    stream: bool,
) -> None:
    if stream:
        gens = zm.generate(task, inp, n=n, params=params, options=options, listener=_listener(stream))
    else:
        # A spinner on stderr (shown only on a terminal) while the model works.
        with err.status(f"writing {n} {task} {'variant' if n == 1 else 'variants'}…"):
            gens = zm.generate(task, inp, n=n, params=params, options=options, listener=_listener(stream))
    _report(gens, as_json, stream)


def _article_command(task: str, doc: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        file: FileOpt,
        n: NOpt = 1,
        lang: LangOpt = None,
        length: LengthOpt = None,
        as_json: JsonOpt = False,
        stream: StreamOpt = False,
        temperature: TempOpt = None,
        top_p: TopPOpt = None,
        max_tokens: MaxTokOpt = None,
        seed: SeedOpt = None,
        stop: StopOpt = None,
    ) -> None:
        zm = get_zhimei(ctx)
        options = _options(temperature, top_p, max_tokens, seed, stop)
        _generate(
            zm, task, zm.read_article(file, lang), n, TaskParams(length=length), options, as_json, stream
        )

    command.__doc__ = doc
    return command


app.command("headline")(
    _article_command("headline", "Write headline variants for an article (zh or en, detected unless --lang).")
)
app.command("summary")(
    _article_command(
        "summary", "Summarise an article near a length target (zh or en, detected unless --lang)."
    )
)


@app.command("brief")
def brief(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option("--data", "-d", help="JSON object/array or CSV file")],
    row: Annotated[int, typer.Option(help="which record of an array or CSV")] = 0,
    require: Annotated[
        list[str] | None, typer.Option("--require", help="field whose value must appear")
    ] = None,
    n: NOpt = 1,
    lang: LangOpt = None,
    length: LengthOpt = None,
    as_json: JsonOpt = False,
    stream: StreamOpt = False,
    temperature: TempOpt = None,
    top_p: TopPOpt = None,
    max_tokens: MaxTokOpt = None,
    seed: SeedOpt = None,
    stop: StopOpt = None,
) -> None:
    """Write a news brief from a data record (JSON or CSV)."""
    zm = get_zhimei(ctx)
    params = TaskParams(length=length, required=tuple(require or ()))
    options = _options(temperature, top_p, max_tokens, seed, stop)
    _generate(zm, "brief", zm.read_record(data, lang, row), n, params, options, as_json, stream)


@app.command("article")
def article(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Option("--files", help="source files, cited as [1], [2] … in this order (repeatable)"),
    ],
    n: NOpt = 1,
    lang: LangOpt = None,
    length: LengthOpt = None,
    as_json: JsonOpt = False,
    stream: StreamOpt = False,
    temperature: TempOpt = None,
    top_p: TopPOpt = None,
    max_tokens: MaxTokOpt = None,
    seed: SeedOpt = None,
    stop: StopOpt = None,
) -> None:
    """Write an article from several sources; every paragraph cites them as [n]."""
    zm = get_zhimei(ctx)
    options = _options(temperature, top_p, max_tokens, seed, stop)
    inp = zm.read_sources(files, lang)
    _generate(zm, "article", inp, n, TaskParams(length=length), options, as_json, stream)


@app.command("rewrite")
def rewrite(
    ctx: typer.Context,
    file: FileOpt,
    style: Annotated[str, typer.Option(help="concise, formal or lively")] = "concise",
    n: NOpt = 1,
    lang: LangOpt = None,
    length: LengthOpt = None,
    as_json: JsonOpt = False,
    stream: StreamOpt = False,
    temperature: TempOpt = None,
    top_p: TopPOpt = None,
    max_tokens: MaxTokOpt = None,
    seed: SeedOpt = None,
    stop: StopOpt = None,
) -> None:
    """Rewrite a draft in a style without changing its facts."""
    zm = get_zhimei(ctx)
    params = task_params(style=style, length=length)
    options = _options(temperature, top_p, max_tokens, seed, stop)
    _generate(zm, "rewrite", zm.read_article(file, lang), n, params, options, as_json, stream)


@app.command("translate")
def translate(
    ctx: typer.Context,
    file: FileOpt,
    to: Annotated[
        str | None, typer.Option("--to", help="target language: zh or en (default: the other one)")
    ] = None,
    n: NOpt = 1,
    lang: Annotated[str | None, typer.Option(help="language of the file: zh, en or auto")] = None,
    as_json: JsonOpt = False,
    stream: StreamOpt = False,
    temperature: TempOpt = None,
    top_p: TopPOpt = None,
    max_tokens: MaxTokOpt = None,
    seed: SeedOpt = None,
    stop: StopOpt = None,
) -> None:
    """Translate a text zh ↔ en, keeping every figure and name."""
    zm = get_zhimei(ctx)
    params = task_params(target_lang=to)
    options = _options(temperature, top_p, max_tokens, seed, stop)
    _generate(zm, "translate", zm.read_article(file, lang), n, params, options, as_json, stream)


@app.command("script")
def script(
    ctx: typer.Context,
    file: FileOpt,
    kind: Annotated[
        str, typer.Option(help="video (shots + voice-over) or podcast (sounds + host)")
    ] = "video",
    seconds: Annotated[int, typer.Option(min=10, max=3600, help="target duration in seconds")] = 60,
    n: NOpt = 1,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    stream: StreamOpt = False,
    temperature: TempOpt = None,
    top_p: TopPOpt = None,
    max_tokens: MaxTokOpt = None,
    seed: SeedOpt = None,
    stop: StopOpt = None,
) -> None:
    """Write a timed video or podcast script from an article (duration within 10%)."""
    zm = get_zhimei(ctx)
    params = task_params(kind=kind, seconds=seconds)
    options = _options(temperature, top_p, max_tokens, seed, stop)
    _generate(zm, "script", zm.read_article(file, lang), n, params, options, as_json, stream)


@app.command("adcopy")
def adcopy(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option("--data", "-d", help="product attributes: JSON object or CSV row")],
    row: Annotated[int, typer.Option(help="which record of an array or CSV")] = 0,
    n: NOpt = 1,
    lang: LangOpt = None,
    length: LengthOpt = None,
    as_json: JsonOpt = False,
    stream: StreamOpt = False,
    temperature: TempOpt = None,
    top_p: TopPOpt = None,
    max_tokens: MaxTokOpt = None,
    seed: SeedOpt = None,
    stop: StopOpt = None,
) -> None:
    """Write ad copy from product attributes: every value realised, none invented."""
    zm = get_zhimei(ctx)
    options = _options(temperature, top_p, max_tokens, seed, stop)
    _generate(
        zm, "adcopy", zm.read_record(data, lang, row), n, TaskParams(length=length), options, as_json, stream
    )


@app.command("social")
def social(
    ctx: typer.Context,
    file: FileOpt,
    platform: Annotated[str | None, typer.Option(help="weibo or x (default: weibo for zh, x for en)")] = None,
    n: NOpt = 1,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    stream: StreamOpt = False,
    temperature: TempOpt = None,
    top_p: TopPOpt = None,
    max_tokens: MaxTokOpt = None,
    seed: SeedOpt = None,
    stop: StopOpt = None,
) -> None:
    """Write a social post within the platform's length count, with hashtags."""
    zm = get_zhimei(ctx)
    params = task_params(platform=platform)
    options = _options(temperature, top_p, max_tokens, seed, stop)
    _generate(zm, "social", zm.read_article(file, lang), n, params, options, as_json, stream)


def task_params(**values: Any) -> TaskParams:
    """TaskParams from command-line values; an invalid choice is an input error naming the valid ones."""
    given = {k: v for k, v in values.items() if v is not None}
    try:
        return TaskParams(**given)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(p) for p in problem["loc"])
        option = {"target_lang": "to"}.get(field, field).replace("_", "-")
        raise InputError(f"invalid --{option}: {problem['msg']}") from None


# Every task command also runs over a JSONL file of inputs: --batch, --out, --concurrency.
for _command in app.registered_commands:
    if _command.callback is not None and _command.name:
        _command.callback = batchable(_command.name, _command.callback, task_params, _options)
