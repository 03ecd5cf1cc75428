"""The library facade. The CLI, the HTTP API and the web studio call this and nothing below it."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zhimei import registry
from zhimei.checks.text import detect_lang
from zhimei.config import Settings, load_settings
from zhimei.errors import InputError
from zhimei.generation import Listener, TaskInput, run_task
from zhimei.records import (
    ArticleInput,
    Generation,
    GenerationOptions,
    Lang,
    RecordInput,
    SourcesInput,
    TaskParams,
)
from zhimei.sources.decode import decode_text, read_text_file
from zhimei.tasks import get_task

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from zhimei.backends.base import Backend, BackendProbe
    from zhimei.batch import BatchItem, BatchSummary
    from zhimei.batch import Progress as BatchProgress
    from zhimei.desk.context import DeskContext
    from zhimei.desk.views import DraftView, RevisionDiff
    from zhimei.evaluation import Comparison, EvalReport, MetricSettings
    from zhimei.evaluation.harness import Progress as EvalProgress
    from zhimei.intake.archive import Progress as ArchiveProgress
    from zhimei.intake.catalog import OpmlImport
    from zhimei.intake.pipeline import Intake
    from zhimei.intake.pipeline import Progress as IngestProgress
    from zhimei.intake.service import IntakeService
    from zhimei.jobs import Worker, WorkerStats
    from zhimei.models.packs import PackStatus, Progress
    from zhimei.records import (
        ApiToken,
        ArchiveImport,
        AuditEvent,
        AuthSession,
        Document,
        Draft,
        DraftSource,
        EditPair,
        EvalRun,
        FlagAck,
        Job,
        JobState,
        Label,
        Publication,
        ReviewDecision,
        Revision,
        SearchHit,
        Source,
        SourceRun,
        StoredStory,
        User,
    )
    from zhimei.store.auth import AuthStore
    from zhimei.store.evaluations import EvalStore
    from zhimei.store.generations import GenerationLog
    from zhimei.store.jobs import JobQueue
    from zhimei.stories.encoder import Embedder

__all__ = ["SettingRow", "Zhimei", "article_from_text", "record_from_data", "record_from_file"]

SettingRow = tuple[str, Any, str]
MAX_SOURCES = 8
# Files whose text needs extracting; everything else is read as plain text.
_DOCUMENT_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".docx", ".pdf"})
_INPUT_KINDS: dict[type, str] = {
    ArticleInput: "an article (--file)",
    RecordInput: "a data record (--data)",
    SourcesInput: "source documents (--files)",
}
# Sampled variants need some temperature to differ; one greedy answer is the reproducible default.
VARIANT_TEMPERATURE = 0.7


def _resolve_lang(requested: str, sample: str) -> Lang:
    if requested == "zh":
        return "zh"
    if requested == "en":
        return "en"
    return detect_lang(sample) if sample.strip() else "en"


def article_from_text(text: str, lang: str = "auto", title: str | None = None) -> ArticleInput:
    """An ArticleInput from text, its language detected unless given; empty text is refused."""
    if not text.strip():
        raise InputError("the article is empty", "give a file with text in it")
    return ArticleInput(text=text.strip(), lang=_resolve_lang(lang, text), title=title)


def _record_from_csv(text: str, row: int, name: str) -> dict[str, Any]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise InputError(f"{name} has a header but no data rows")
    if not 0 <= row < len(rows):
        raise InputError(f"{name} has {len(rows)} data rows; row {row} does not exist", "use --row 0 … N-1")
    return {k.strip(): (v or "").strip() for k, v in rows[row].items() if k}


def record_from_file(path: Path, lang: str = "auto", row: int = 0) -> RecordInput:
    """A RecordInput from a JSON object (or an array of objects) or a CSV file (one row)."""
    text = read_text_file(path)
    if path.suffix.lower() in (".csv", ".tsv"):
        data = _record_from_csv(text, row, str(path))
    else:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from exc
        if isinstance(parsed, list):
            if not 0 <= row < len(parsed):
                raise InputError(f"{path} holds {len(parsed)} records; record {row} does not exist")
            parsed = parsed[row]
        if not isinstance(parsed, dict) or not parsed:
            raise InputError(f"{path} must hold a JSON object (a record with fields)")
        data = parsed
    return record_from_data(data, lang)


def record_from_data(data: dict[str, Any], lang: str = "auto") -> RecordInput:
    """A RecordInput from a record's fields, its language detected from its text unless given."""
    sample = " ".join(str(v) for v in data.values() if isinstance(v, str))
    return RecordInput(data=data, lang=_resolve_lang(lang, sample))


class Zhimei:
    """One newsroom's zhimei: settings, store, backends, tasks and models behind plain methods."""

    def __init__(self, settings: Settings | None = None, *, backend: Backend | None = None) -> None:
        self.settings = settings or load_settings()
        self._backend = backend

    # -- store -------------------------------------------------------------------------------
    @cached_property
    def engine(self) -> Engine:
        from zhimei.store import open_engine, upgrade

        engine = open_engine(self.settings.db_url)
        upgrade(engine)
        return engine

    @cached_property
    def generation_log(self) -> GenerationLog:
        from zhimei.store import GenerationLog

        return GenerationLog(self.engine)

    def db_upgrade(self) -> str:
        """Apply pending migrations; returns the revision now current."""
        from zhimei.store import current_revision

        return current_revision(self.engine) or ""

    def db_backup(self, path: Path) -> dict[str, int]:
        """Write a portable backup of the whole store to ``path``; returns row counts per table."""
        from zhimei.store import backup

        return backup(self.engine, path).row_counts

    def db_restore(self, path: Path, *, replace: bool = False) -> dict[str, int]:
        """Restore a backup into this store (refused on a non-empty store unless ``replace``)."""
        from zhimei.store import restore

        return restore(self.engine, path, replace=replace).row_counts

    # -- generation --------------------------------------------------------------------------
    @property
    def backend(self) -> Backend:
        if self._backend is None:
            from zhimei.backends import create_backend

            self._backend = create_backend(self.settings)
        return self._backend

    @property
    def model_requested(self) -> str:
        """The model the settings ask the backend for (logged beside the one it resolved)."""
        name = self.backend.name
        if name in ("embedded", "transformers"):
            return self.settings.model
        if name == "openai":
            return self.settings.openai_model or name
        return name

    def read_article(self, path: Path, lang: str | None = None) -> ArticleInput:
        """An article from a text file, or the main text of an .html, .docx or .pdf file."""
        if path.suffix.lower() not in _DOCUMENT_SUFFIXES:
            return article_from_text(read_text_file(path), lang or self.settings.lang)
        from zhimei.sources.files import parse_file

        doc = parse_file(path)[0]
        return article_from_text(doc.text, lang or self.settings.lang, title=doc.title or None)

    def read_sources(self, paths: Sequence[Path], lang: str | None = None) -> SourcesInput:
        """Source files for an article, numbered from 1 in the order given.

        Each source keeps its own language; the article's is ``lang``, else the most common one.
        """
        if not paths:
            raise InputError("no source files given", "name one or more with --files")
        if len(paths) > MAX_SOURCES:
            raise InputError(f"{len(paths)} source files; an article takes at most {MAX_SOURCES}")
        sources = tuple(self.read_article(path) for path in paths)
        langs = [s.lang for s in sources]
        chosen = lang or self.settings.lang
        out: Lang = chosen if chosen in ("zh", "en") else max(("zh", "en"), key=langs.count)  # type: ignore[assignment]
        return SourcesInput(sources=sources, lang=out)

    def read_record(self, path: Path, lang: str | None = None, row: int = 0) -> RecordInput:
        return record_from_file(path, lang or self.settings.lang, row)

    def article(self, data: bytes | str, lang: str | None = None) -> ArticleInput:
        text = decode_text(data) if isinstance(data, bytes) else data
        return article_from_text(text, lang or self.settings.lang)

    def generate(
        self,
        task_name: str,
        inp: TaskInput,
        *,
        n: int = 1,
        params: TaskParams | None = None,
        options: dict[str, Any] | None = None,
        listener: Listener | None = None,
    ) -> list[Generation]:
        """``n`` variants of task ``task_name`` for ``inp``, each checked, retried and logged."""
        task = get_task(task_name)
        if not isinstance(inp, task.input_type):
            raise InputError(f"task {task_name} needs {_INPUT_KINDS[task.input_type]}")
        if n < 1:
            raise InputError("--n must be at least 1")
        params = params or TaskParams()
        task.validate(inp, params)  # type: ignore[arg-type]
        opts: dict[str, Any] = {"max_tokens": task.max_tokens(inp, params), **(options or {})}  # type: ignore[arg-type]
        if opts.get("temperature") is None:
            opts["temperature"] = VARIANT_TEMPERATURE if n > 1 else 0.0
        base_seed = opts.get("seed")
        if base_seed is None:
            base_seed = random.randrange(2**31)
        log = self.generation_log
        out = []
        for i in range(n):
            variant_opts = GenerationOptions(**{**opts, "seed": base_seed + i})
            out.append(
                run_task(
                    task,
                    inp,
                    params,
                    self.backend,
                    variant_opts,
                    max_retries=self.settings.max_retries,
                    model_requested=self.model_requested,
                    sink=log,
                    listener=listener or Listener(),
                    variant=i,
                )
            )
        return out

    def log(self, last: int = 10, task: str | None = None) -> list[Generation]:
        """The newest ``last`` logged generations, newest first."""
        return self.generation_log.last(last, task_id=task)

    # -- registry, models, config -------------------------------------------------------------
    def backends(self) -> dict[str, registry.Entry]:
        return registry.available(registry.BACKENDS)

    def tasks(self) -> dict[str, registry.Entry]:
        return registry.available(registry.TASKS)

    def models(self) -> list[PackStatus]:
        from zhimei.models import status

        return status(self.settings.models_dir)

    def install_models(
        self, names: Sequence[str], *, force: bool = False, progress: Progress | None = None
    ) -> dict[str, tuple[Path, ...]]:
        from zhimei.models import install

        return {
            name: install(name, self.settings.models_dir, force=force, progress=progress) for name in names
        }

    def verify_models(
        self, names: Sequence[str], progress: Progress | None = None
    ) -> dict[str, tuple[Path, ...]]:
        from zhimei.models import verify

        return {name: verify(name, self.settings.models_dir, progress) for name in names}

    def config(self) -> list[SettingRow]:
        """Every setting with its value and where the value came from."""
        sources = self.settings.sources
        return [
            (name, getattr(self.settings, name), sources[name]) for name in type(self.settings).model_fields
        ]

    # -- evaluation ----------------------------------------------------------------------------
    @cached_property
    def eval_store(self) -> EvalStore:
        from zhimei.store import EvalStore

        return EvalStore(self.engine)

    def eval_run(
        self,
        task_name: str,
        data: Path,
        *,
        fmt: str = "auto",
        lang: str | None = None,
        prompt: str | None = None,
        limit: int | None = None,
        seed: int = 0,
        run_id: str | None = None,
        params: TaskParams | None = None,
        options: dict[str, Any] | None = None,
        metrics: MetricSettings | None = None,
        progress: EvalProgress | None = None,
    ) -> EvalReport:
        """Evaluate task ``task_name`` with this backend on a dataset file; stored, resumable by run id."""
        from zhimei.evaluation import MetricSettings, ModelSetup, evaluate_model, load_dataset, select_prompt

        task = select_prompt(get_task(task_name), prompt)
        dataset = load_dataset(data, fmt, lang or self.settings.lang)
        setup = ModelSetup(
            backend=self.backend,
            model_requested=self.model_requested,
            options={"temperature": 0.0, "seed": seed, **(options or {})},
            params=params or TaskParams(),
            max_retries=self.settings.max_retries,
            sink=self.generation_log,
        )
        return evaluate_model(
            dataset,
            task,
            setup,
            self.eval_store,
            metrics=metrics or MetricSettings(),
            models_dir=self.settings.models_dir,
            run_id=run_id,
            limit=limit,
            progress=progress,
        )

    def eval_baselines(
        self,
        task_name: str,
        data: Path,
        *,
        fmt: str = "auto",
        lang: str | None = None,
        only: Sequence[str] = (),
        limit: int | None = None,
        params: TaskParams | None = None,
        metrics: MetricSettings | None = None,
        progress: EvalProgress | None = None,
    ) -> list[EvalReport]:
        """Score the classic baselines of ``task_name`` (all, or those in ``only``) on a dataset file."""
        from zhimei.evaluation import MetricSettings, evaluate_baseline, load_dataset
        from zhimei.evaluation.baselines import baseline_names

        task = get_task(task_name)
        names = list(only) or baseline_names(task.id)
        dataset = load_dataset(data, fmt, lang or self.settings.lang)
        return [
            evaluate_baseline(
                dataset,
                task,
                name,
                self.eval_store,
                metrics=metrics or MetricSettings(),
                models_dir=self.settings.models_dir,
                params=params,
                limit=limit,
                progress=progress,
            )
            for name in names
        ]

    def eval_score(
        self,
        data: Path,
        *,
        fmt: str = "auto",
        lang: str | None = None,
        task_name: str | None = None,
        system: str = "given",
        run_id: str | None = None,
        limit: int | None = None,
        metrics: MetricSettings | None = None,
        progress: EvalProgress | None = None,
    ) -> EvalReport:
        """Score outputs made elsewhere (each case's ``prediction``) and store them as a run."""
        from zhimei.evaluation import MetricSettings, load_dataset, score_outputs

        return score_outputs(
            load_dataset(data, fmt, lang or self.settings.lang),
            self.eval_store,
            metrics=metrics or MetricSettings(),
            models_dir=self.settings.models_dir,
            task=get_task(task_name) if task_name else None,
            system=system,
            run_id=run_id,
            limit=limit,
            progress=progress,
        )

    def eval_get(self, run_id: str) -> EvalReport:
        """A stored run with its cases."""
        from zhimei.evaluation import EvalReport

        return EvalReport(self.eval_store.get(run_id), tuple(self.eval_store.cases(run_id)))

    def eval_compare(self, run_a: str, run_b: str, *, resamples: int = 1000, seed: int = 0) -> Comparison:
        """Paired per-metric deltas of run B over run A with bootstrap confidence intervals."""
        from zhimei.evaluation import compare_runs

        a, b = self.eval_get(run_a), self.eval_get(run_b)
        return compare_runs(a.run, a.cases, b.run, b.cases, resamples=resamples, seed=seed)

    def eval_report(self, run_ids: Sequence[str], html: Path | None = None) -> list[EvalReport]:
        """The stored runs; with ``html``, an offline HTML report of them (plots embedded) written there."""
        reports = [self.eval_get(run_id) for run_id in run_ids]
        if html is not None:
            from zhimei.evaluation.report import write_html

            write_html(reports, html)
        return reports

    def eval_list(self, task: str | None = None, last: int = 50) -> list[EvalRun]:
        """The newest evaluation runs, newest first."""
        return self.eval_store.runs(task, last)

    def test_backend(self, name: str | None = None) -> BackendProbe:
        """Test backend ``name`` (default: the configured one) end to end: reach it, resolve its model
        and context, time a one-token reply. Raises the backend's typed error when it fails."""
        from zhimei.backends import create_backend
        from zhimei.backends.base import probe

        same = name is None or name == self.settings.backend
        return probe(self.backend if same else create_backend(self.settings, name))

    # -- batch generation ----------------------------------------------------------------------
    def generate_batch(
        self,
        task_name: str,
        inputs: Path,
        out: Path,
        *,
        concurrency: int = 1,
        params: TaskParams | None = None,
        options: dict[str, Any] | None = None,
        lang: str | None = None,
        progress: BatchProgress | None = None,
    ) -> BatchSummary:
        """Task ``task_name`` for every line of the JSONL file ``inputs``, one result line each in ``out``.

        Resumable: inputs already done in ``out`` are skipped. Up to ``concurrency`` inputs are
        generated at once; failures become error lines (see ``zhimei.batch``).
        """
        from zhimei.batch import BatchSetup, run_batch

        task = get_task(task_name)
        setup = BatchSetup(
            backend=self.backend,
            model_requested=self.model_requested,
            options=options or {},
            max_retries=self.settings.max_retries,
            sink=self.generation_log,
            concurrency=concurrency,
        )

        def resolve(item: BatchItem) -> TaskInput:
            return self._batch_input(item, task.input_type, lang or self.settings.lang)

        return run_batch(task, inputs, out, setup, resolve=resolve, params=params, progress=progress)

    def _batch_input(self, item: BatchItem, kind: type, lang: str) -> TaskInput:
        """The task input one batch line names; a line's own ``lang`` overrides the batch's."""
        src = item.source
        lang = src.get("lang", lang)
        if kind is SourcesInput:
            return self.read_sources([item.path(p) for p in src["files"]], lang)
        if kind is RecordInput:
            if "file" in src:
                return self.read_record(item.path(src["file"]), lang, src.get("row", 0))
            return record_from_data(src["data"], lang)
        if "file" in src:
            return self.read_article(item.path(src["file"]), lang)
        return article_from_text(src["text"], lang, src.get("title"))

    # -- the desk: drafts, review, publishing, users, audit --------------------------------------
    @cached_property
    def desk(self) -> DeskContext:
        """The co-creation desk on this store (acting users are checked on every change)."""
        from zhimei.desk.context import DeskContext
        from zhimei.store.desk_store import DeskStore

        return DeskContext(DeskStore(self.engine))

    def _by(self, by: str | None) -> str | None:
        return by or self.settings.user

    def task_input(
        self,
        task_name: str,
        *,
        files: Sequence[Path] = (),
        data: Path | None = None,
        text: str | None = None,
        lang: str | None = None,
    ) -> TaskInput:
        """The input of task ``task_name`` from files, a data record file, or text given inline."""
        kind = get_task(task_name).input_type
        if kind is RecordInput:
            if data is None:
                raise InputError(f"task {task_name} writes from a data record", "pass --data FILE")
            return self.read_record(data, lang)
        if text is not None:
            article = article_from_text(text, lang or self.settings.lang)
            return SourcesInput(sources=(article,), lang=article.lang) if kind is SourcesInput else article
        if not files:
            raise InputError(f"task {task_name} needs a source", "pass --file FILE or --prompt TEXT")
        if kind is SourcesInput:
            return self.read_sources(files, lang)
        if len(files) > 1:
            raise InputError(f"task {task_name} writes from one article", "pass one --file")
        return self.read_article(files[0], lang)

    def drafts_new(
        self,
        task_name: str,
        inp: TaskInput,
        *,
        by: str | None = None,
        n: int = 1,
        params: TaskParams | None = None,
        options: dict[str, Any] | None = None,
        title: str | None = None,
        story_id: str | None = None,
        listener: Listener | None = None,
    ) -> Draft:
        """A new draft: ``n`` generations of task ``task_name`` from ``inp`` become its revisions."""
        from zhimei.desk.drafts import create_draft
        from zhimei.desk.sources import sources_of_input

        by = self._by(by)
        self.desk.actor(by, "drafts.create")  # before spending time on the model
        gens = self.generate(task_name, inp, n=n, params=params, options=options, listener=listener)
        kept = params.model_dump(mode="json", exclude_defaults=True) if params else {}
        return create_draft(
            self.desk, gens, sources_of_input(inp), by=by, title=title, story_id=story_id, params=kept
        )

    def drafts_from_generation(
        self,
        generation: Generation,
        sources: Sequence[Document | DraftSource | ArticleInput | str],
        story_id: str | None = None,
        *,
        by: str | None = None,
        title: str | None = None,
    ) -> Draft:
        """A new draft from a generation made elsewhere (the intake's automatic drafts).

        ``sources`` are kept as text snapshots for verification. Without ``by`` (or setting
        ``user``) the draft is created by the ``system`` actor.
        """
        from zhimei.desk.drafts import create_draft
        from zhimei.desk.sources import draft_sources

        return create_draft(
            self.desk, [generation], draft_sources(sources), by=self._by(by), title=title, story_id=story_id
        )

    def drafts_regenerate(
        self,
        draft_id: int,
        *,
        by: str | None = None,
        n: int = 1,
        options: dict[str, Any] | None = None,
        listener: Listener | None = None,
    ) -> list[Revision]:
        """``n`` new model-written revisions of the draft from its task input; nothing is overwritten."""
        from zhimei.desk.drafts import add_generations

        by = self._by(by)
        self.desk.actor(by, "drafts.regenerate")
        draft = self.desk.store.draft(draft_id)
        if draft.task_id is None or draft.task_input is None:
            raise InputError(f"draft {draft_id} was not written by a task", "edit it instead")
        task = get_task(draft.task_id)
        kind: Any = task.input_type
        inp = kind.model_validate(draft.task_input)
        params = TaskParams.model_validate(draft.params)
        gens = self.generate(task.id, inp, n=n, params=params, options=options, listener=listener)
        return add_generations(self.desk, draft_id, gens, by=by, parent=draft.head)

    def drafts_regenerate_paragraph(
        self,
        draft_id: int,
        index: int,
        *,
        by: str | None = None,
        parent: int | None = None,
        params: TaskParams | None = None,
        options: dict[str, Any] | None = None,
        listener: Listener | None = None,
    ) -> Revision:
        """A new revision with paragraph ``index`` (1-based) of revision ``parent`` (default: the
        newest) rewritten by the model with the ``rewrite`` task (``params``: its style); the rest
        of the text is kept as it is. StaleRevisionError when ``parent`` is not the newest."""
        from zhimei.desk.drafts import paragraph, replace_paragraph

        by = self._by(by)
        self.desk.actor(by, "drafts.regenerate")
        draft = self.desk.store.draft(draft_id)
        head = self.desk.store.revision(draft_id, parent or draft.head)
        start, end = paragraph(head.text, index)
        inp = ArticleInput(text=head.text[start:end], lang=draft.lang)
        (gen,) = self.generate("rewrite", inp, params=params, options=options, listener=listener)
        return replace_paragraph(self.desk, draft_id, index, gen, by=by, parent=head.number)

    def drafts_from_story(
        self,
        story: str,
        task_name: str,
        *,
        by: str | None = None,
        n: int = 1,
        params: TaskParams | None = None,
        title: str | None = None,
        lang: str | None = None,
    ) -> Draft:
        """A new draft written by task ``task_name`` from a story's documents (all kept as sources).

        The article task writes from up to MAX_SOURCES documents; other article tasks from the
        story's first (representative first) document.
        """
        from zhimei.desk.drafts import create_draft
        from zhimei.desk.sources import draft_sources
        from zhimei.store.documents import get_document

        by = self._by(by)
        self.desk.actor(by, "drafts.create")
        found = self.story(story)
        ordered = sorted(found.documents, key=lambda d: not d.representative)
        docs = [get_document(self.engine, d.id).document for d in ordered]
        if not docs:
            raise InputError(f"story {story} has no documents")
        articles = [article_from_text(d.text, lang or d.lang, title=d.title or None) for d in docs]
        kind = get_task(task_name).input_type
        inp: TaskInput
        if kind is SourcesInput:
            inp = SourcesInput(sources=tuple(articles[:MAX_SOURCES]), lang=articles[0].lang)
        elif kind is ArticleInput:
            inp = articles[0]
        else:
            raise InputError(f"task {task_name} writes from a data record, not a story", "pass --data FILE")
        gens = self.generate(task_name, inp, n=n, params=params)
        kept = params.model_dump(mode="json", exclude_defaults=True) if params else {}
        return create_draft(
            self.desk, gens, draft_sources(docs), by=by, title=title, story_id=str(found.id), params=kept
        )

    def drafts_revision(self, draft_id: int, number: int | None = None) -> Revision:
        """One revision of a draft (default: its newest)."""
        store = self.desk.store
        return store.revision(draft_id, number if number is not None else store.draft(draft_id).head)

    def read_edit(self, path: Path) -> str:
        """The text of an edit file (UTF-8, not empty, not binary, at most 200,000 characters)."""
        from zhimei.desk.text_input import read_text

        return read_text(path)

    def drafts_edit(
        self, draft_id: int, text: str, *, by: str | None = None, parent: int | None = None
    ) -> Revision:
        """Save ``text`` as a new revision made from ``parent``; a stale parent raises StaleRevisionError."""
        from zhimei.desk.drafts import edit

        return edit(self.desk, draft_id, text, by=self._by(by), parent=parent)

    def drafts_restore(
        self, draft_id: int, revision: int, *, by: str | None = None, parent: int | None = None
    ) -> Revision:
        """Save revision ``revision``'s text again as a new revision."""
        from zhimei.desk.drafts import restore

        return restore(self.desk, draft_id, revision, by=self._by(by), parent=parent)

    def drafts_show(self, draft_id: int, *, by: str | None = None) -> DraftView:
        """A draft with its text, revisions, provenance per sentence, checks, review and publications."""
        from zhimei.desk.views import show

        return show(self.desk, draft_id, by=by)

    def drafts_list(
        self,
        *,
        state: str | None = None,
        assignee: str | None = None,
        story_id: str | None = None,
        limit: int = 50,
    ) -> list[Draft]:
        """The most recently changed drafts first."""
        return self.desk.store.drafts(state=state, assignee=assignee, story_id=story_id, limit=limit)

    def drafts_diff(self, draft_id: int, old: int, new: int, *, by: str | None = None) -> RevisionDiff:
        """What changed between two revisions, and who or what changed it."""
        from zhimei.desk.views import diff

        return diff(self.desk, draft_id, old, new, by=by)

    def drafts_ack(
        self, draft_id: int, flag_id: str, *, by: str | None = None, note: str | None = None
    ) -> FlagAck:
        """An editor acknowledges a verification flag (unblocking publishing for personal data, links)."""
        from zhimei.desk.review import ack

        return ack(self.desk, draft_id, flag_id, by=self._by(by), note=note)

    def drafts_assign(self, draft_id: int, to: str, *, by: str | None = None) -> Draft:
        """Assign the draft to a user."""
        from zhimei.desk.review import assign

        return assign(self.desk, draft_id, to=to, by=self._by(by))

    def drafts_comment(
        self, draft_id: int, text: str, *, by: str | None = None, revision: int | None = None
    ) -> None:
        """Comment on the draft (on one revision, if given)."""
        from zhimei.desk.review import comment

        comment(self.desk, draft_id, text, by=self._by(by), revision=revision)

    def edit_pairs(self, draft_id: int | None = None) -> list[EditPair]:
        """Every (model output → approved human version) pair, for learning from editors' edits."""
        return self.desk.store.edit_pairs(draft_id)

    def review_submit(self, draft_id: int, *, by: str | None = None) -> Draft:
        """Send the draft for review."""
        from zhimei.desk.review import submit

        return submit(self.desk, draft_id, by=self._by(by))

    def review_approve(
        self, draft_id: int, *, by: str | None = None, revision: int | None = None
    ) -> ReviewDecision:
        """Approve the draft's newest revision (an editor)."""
        from zhimei.desk.review import approve

        return approve(self.desk, draft_id, by=self._by(by), revision=revision)

    def review_reject(self, draft_id: int, reason: str, *, by: str | None = None) -> ReviewDecision:
        """Send the draft back with a reason (an editor)."""
        from zhimei.desk.review import reject

        return reject(self.desk, draft_id, by=self._by(by), reason=reason)

    def review_spike(self, draft_id: int, *, by: str | None = None, reason: str | None = None) -> Draft:
        """Kill the draft for good (an editor); it stays on record."""
        from zhimei.desk.review import spike

        return spike(self.desk, draft_id, by=self._by(by), reason=reason)

    def publish(
        self,
        draft_id: int,
        fmt: str,
        *,
        by: str | None = None,
        target: str | Path | None = None,
        at: datetime | None = None,
    ) -> Publication:
        """Publish the approved revision in ``fmt`` (markdown, html, json, docx, rss, webhook) with its
        AIGC label, now or at ``at``; ``target`` is a folder (default HOME/published) or the webhook URL."""
        from zhimei.desk.publishing import publish

        folder = self.settings.home / "published"
        return publish(self.desk, draft_id, fmt, by=self._by(by), target=target, at=at, default_folder=folder)

    def publish_due(self, now: datetime | None = None) -> list[Publication]:
        """Release the scheduled publications whose time has come (run by a worker or cron)."""
        from zhimei.desk.publishing import release_due

        return release_due(self.desk, now)

    def unpublish(self, draft_id: int, *, by: str | None = None, fmt: str | None = None) -> list[Publication]:
        """Take the draft's publications down (kept on record); scheduled ones are cancelled."""
        from zhimei.desk.publishing import unpublish

        return unpublish(self.desk, draft_id, by=self._by(by), fmt=fmt)

    def correct(
        self, draft_id: int, text: str, note: str, *, by: str | None = None
    ) -> tuple[Revision, list[Publication]]:
        """Correct a published draft: a new approved revision republished with a visible notice."""
        from zhimei.desk.publishing import correct

        return correct(self.desk, draft_id, text, note, by=self._by(by))

    def users_add(self, name: str, role: str, *, by: str | None = None) -> User:
        """Add a desk user (the first one must be an admin)."""
        from zhimei.desk.users import add_user

        return add_user(self.desk, name, role, by=self._by(by))

    def users_set_role(self, name: str, role: str, *, by: str | None = None) -> User:
        """Change a user's role (an admin)."""
        from zhimei.desk.users import set_role

        return set_role(self.desk, name, role, by=self._by(by))

    def users_list(self) -> list[User]:
        """Every desk user."""
        return self.desk.store.users()

    def audit(
        self,
        *,
        draft_id: int | None = None,
        actor: str | None = None,
        limit: int | None = None,
        by: str | None = None,
    ) -> list[AuditEvent]:
        """The desk's audit log, oldest first (the newest ``limit`` when given)."""
        self.desk.reader(by, "audit.read")
        return self.desk.store.audit(draft_id=draft_id, actor=actor, limit=limit)

    # -- intake: sources, ingest, stories, search, archive, jobs ---------------------------------
    def _load_encoder(self) -> Embedder:
        from zhimei.stories import load_sentence_encoder

        return load_sentence_encoder(self.settings.models_dir)

    @cached_property
    def intake(self) -> Intake:
        """The ingest pipeline on this store (the sentence encoder loads on first need)."""
        from zhimei.intake.pipeline import Intake
        from zhimei.sources.fetch import FetchPolicy

        return Intake(self.engine, FetchPolicy.from_settings(self.settings), self._load_encoder)

    @cached_property
    def job_queue(self) -> JobQueue:
        from zhimei.store.jobs import JobQueue

        return JobQueue(self.engine)

    @cached_property
    def intake_service(self) -> IntakeService:
        """Ingest and auto-draft job handlers; drafts are written in the desk's language (``lang``)."""
        from zhimei.intake.service import IntakeService

        return IntakeService(
            self.intake, self.job_queue, self._auto_draft, self.settings.lang, self._desk_draft
        )

    def _auto_draft(self, task_name: str, inp: ArticleInput) -> Generation:
        return self.generate(task_name, inp)[0]

    @cached_property
    def _desk_ready(self) -> bool:
        from zhimei.store.stories_repo import has_table

        return has_table(self.engine, "desk_drafts")

    def _desk_draft(self, generation: Generation, document: Document, story_id: int) -> int | None:
        """The desk draft of an auto-draft (the one an interrupted attempt made, if any)."""
        if not self._desk_ready:
            return None
        for draft in self.desk.store.drafts(story_id=str(story_id), limit=500):
            if draft.task_id == generation.task_id:
                return draft.id
        return self.drafts_from_generation(generation, [document], story_id=str(story_id)).id

    def sources_add(
        self, kind: str, location: str, *, name: str | None = None, every: str | int | None = None
    ) -> Source:
        """Add a source: ``rss`` or ``web`` with an http(s) URL, ``folder`` with a path; ``every``
        like ``15m`` (default: rss 15m, web 1h, folder 1m)."""
        from zhimei.intake.catalog import add_source

        return add_source(self.intake.sources, kind, location, name=name, every=every)

    def sources_import(self, path: Path, *, every: str | int | None = None) -> OpmlImport:
        """Add every feed of an OPML export as an rss source (feeds already added are skipped)."""
        from zhimei.intake.catalog import import_opml

        return import_opml(self.intake.sources, path, every=every)

    def sources_list(self) -> list[Source]:
        """Every source with how its last run went."""
        return self.intake.sources.list()

    def sources_remove(self, name: str) -> Source:
        """Remove a source (its documents stay)."""
        return self.intake.sources.remove(name)

    def ingest(self, source: str | None = None, *, progress: IngestProgress | None = None) -> list[SourceRun]:
        """One ingest pass now, over one source or every enabled one; a failing source is recorded
        on its row and the pass goes on. New stories get auto-draft jobs (see :meth:`work`)."""
        return self.intake.run(self.intake_service.selected(source), progress=progress)

    def ingest_queue(self, source: str | None = None) -> Job:
        """Queue an ingest pass for a worker (``zhimei worker``)."""
        return self.intake_service.enqueue_ingest(source)

    def worker(self, *, lease: float = 60.0, poll: float = 1.0) -> Worker:
        """A job worker for ingest and auto-draft jobs that also releases due embargoed publications;
        run it with :meth:`work` or :meth:`watch`, stop it (gracefully) with its ``stop()``."""
        from datetime import timedelta

        from zhimei.intake.service import retry_in
        from zhimei.jobs import Worker

        service = self.intake_service
        return Worker(
            self.job_queue,
            service.handlers(),
            lease=timedelta(seconds=lease),
            poll=poll,
            retry_in=retry_in,
            idle=self.publish_due,  # embargoes lift without a cron job
        )

    def work(
        self, worker: Worker | None = None, *, until_idle: bool = False, max_jobs: int | None = None
    ) -> WorkerStats:
        """Run jobs until the worker is stopped (or, with ``until_idle``, until none is left)."""
        return (worker or self.worker()).run(until_idle=until_idle, max_jobs=max_jobs)

    def watch(self, worker: Worker | None = None, *, tick: float = 5.0) -> WorkerStats:
        """Poll every source on its schedule and run the jobs that makes, until the worker is stopped."""
        return self.intake_service.watch(worker or self.worker(), tick)

    def stories_list(
        self, *, since: str | datetime | None = None, topic: str | None = None, limit: int = 50
    ) -> list[StoredStory]:
        """Stories changed since ``since`` (``1d``, ``2026-11-20`` …), optionally of one topic."""
        from zhimei.intake.durations import since_instant
        from zhimei.store.stories_repo import list_stories

        when = since_instant(since)
        return list_stories(self.engine, since=when, topic=topic, limit=limit)

    def story(self, ref: int | str) -> StoredStory:
        """A story (by id or ``story-…`` key) with its documents, near-duplicates, tags and drafts."""
        from zhimei.store.stories_repo import get_story

        key = int(ref) if isinstance(ref, int) or (ref.isascii() and ref.isdigit()) else ref
        return get_story(self.engine, key)

    def search(
        self,
        query: str,
        *,
        since: str | datetime | None = None,
        kinds: Sequence[str] = (),
        limit: int = 20,
    ) -> list[SearchHit]:
        """Full-text search over documents, stories and the archive: words, ``OR``, "phrases"."""
        from zhimei.intake.durations import since_instant
        from zhimei.intake.indexing import find

        known = ("document", "story", "archive")
        for kind in kinds:
            if kind not in known:
                raise InputError(f"unknown kind {kind!r}", "use: " + ", ".join(known))
        when = since_instant(since)
        return find(self.engine, query, since=when, kinds=tuple(kinds), limit=limit)  # type: ignore[arg-type]

    def archive_import(self, path: Path, *, progress: ArchiveProgress | None = None) -> ArchiveImport:
        """Import past published articles (a file or folder of html, md, docx, txt, json) into the archive."""
        from zhimei.intake.archive import import_archive

        return import_archive(self.engine, path, progress)

    def jobs_list(
        self, *, states: Sequence[JobState] = (), kind: str | None = None, limit: int = 50
    ) -> list[Job]:
        """The newest jobs first."""
        return self.job_queue.list(states=states, kind=kind, limit=limit)

    def jobs_cancel(self, job_id: int) -> Job:
        """Cancel a job: a queued one at once, a running one at its next item."""
        return self.job_queue.cancel(job_id)

    # -- the studio: publication previews, the public feed, accounts, sessions, API tokens -------
    def publish_preview(
        self, draft_id: int, fmt: str, *, by: str | None = None
    ) -> tuple[bytes, Label | None]:
        """The approved revision as it would be published in ``fmt`` (markdown, html, json, docx,
        rss), with its AIGC label; nothing is written or recorded."""
        from zhimei.desk.publish import FILE_FORMATS, PublishItem, render_feed
        from zhimei.desk.publishing import labelled_revision, publication_key
        from zhimei.errors import WorkflowError
        from zhimei.records import utcnow

        self.desk.reader(by, "drafts.read")
        store = self.desk.store
        draft = store.draft(draft_id)
        if fmt != "rss" and fmt not in FILE_FORMATS:
            raise InputError(
                f"no preview for format {fmt!r}", "use one of: " + ", ".join([*FILE_FORMATS, "rss"])
            )
        approvals = [
            r
            for r in store.reviews(draft_id)
            if r.decision == "approved" and r.revision == draft.approved_revision
        ]
        if draft.approved_revision is None or not approvals:
            raise WorkflowError(f"draft {draft_id} has no approved revision to preview", "approve it first")
        revision = store.revision(draft_id, draft.approved_revision)
        key = publication_key(draft_id, revision.number, fmt, "preview")
        item = PublishItem(labelled_revision(self.desk, draft, revision, approvals[-1], key), utcnow(), key)
        if fmt == "rss":
            rss, _atom = render_feed([item], title=f"{self.desk.settings.producer} feed", link="preview")
            return rss, item.label
        return FILE_FORMATS[fmt][1](item), item.label

    def public_feed(self) -> bytes | None:
        """The RSS feed of the default publishing folder, or None before anything was published there."""
        try:
            return (self.settings.home / "published" / "feed.xml").read_bytes()
        except FileNotFoundError:
            return None

    @cached_property
    def auth_store(self) -> AuthStore:
        """Password hashes, studio sessions and API tokens on this store."""
        from zhimei.store.auth import AuthStore

        return AuthStore(self.engine)

    def users_get(self, name: str) -> User | None:
        """The desk user called ``name``, or None."""
        return self.desk.store.user(name)

    def auth_setup_needed(self) -> bool:
        """Whether no admin can sign in yet: no users, or no admin with a password."""
        admins = {u.name for u in self.users_list() if u.role == "admin"}
        return not admins & self.auth_store.users_with_password()

    def auth_set_password(self, name: str, password: str, *, by: str | None = None) -> None:
        """Set ``name``'s password and end their sessions: an admin for anyone, a user for
        themselves, and (``by`` None) an admin's own while no admin can sign in yet."""
        from zhimei.errors import NotFoundError

        user = self.users_get(name)
        if user is None:
            raise NotFoundError(f"there is no user {name!r}", "an admin adds the user first")
        bootstrap = by is None and user.role == "admin" and self.auth_setup_needed()
        if not bootstrap and by != name:
            self.desk.actor(by, "users.manage")
        self.auth_store.set_password(name, password, by=by)

    def auth_login(self, name: str, password: str) -> User:
        """The user with this name and password; AuthenticationError otherwise (same for both)."""
        from zhimei.errors import AuthenticationError

        user = self.users_get(name) if 0 < len(name) <= 64 else None
        if not self.auth_store.verify_password(name, password) or user is None:
            raise AuthenticationError(
                "wrong user name or password", "check both, or ask an admin to reset it"
            )
        return user

    def auth_session_new(self, name: str) -> tuple[str, AuthSession]:
        """A new studio session of ``name``: its secret id and the session (with its CSRF token)."""
        return self.auth_store.create_session(name)

    def auth_session(self, secret: str) -> tuple[User, AuthSession] | None:
        """The user and live session with this secret id, or None."""
        session = self.auth_store.session(secret)
        user = self.users_get(session.user) if session else None
        return (user, session) if user and session else None

    def auth_session_end(self, secret: str) -> None:
        """Sign a studio session out."""
        self.auth_store.end_session(secret)

    def auth_token_new(self, name: str, label: str) -> tuple[str, ApiToken]:
        """A new API token of ``name``: the secret, shown once, and its record."""
        return self.auth_store.create_token(name, label)

    def auth_token_user(self, secret: str) -> User | None:
        """The user of a live API token, or None."""
        name = self.auth_store.token_user(secret)
        return self.users_get(name) if name else None

    def auth_tokens(self, name: str) -> list[ApiToken]:
        """``name``'s API tokens, newest first."""
        return self.auth_store.tokens(name)

    def auth_token_revoke(self, name: str, token_id: int) -> ApiToken:
        """Revoke one of ``name``'s API tokens."""
        return self.auth_store.revoke_token(name, token_id)
