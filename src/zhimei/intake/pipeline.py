"""One ingest pass over sources: read → store idempotently → near-duplicates → stories → tags →
auto-draft jobs for new stories.

Each new item is stored in the same transaction as everything derived from it (embedding, tags,
near-duplicate links, story membership, search entries, the draft jobs of a new story; items are
committed in batches of up to 32), so a process killed at any point leaves every item either fully
ingested or not at all; the next run stores the rest and skips what is there (by content hash, or
by locator within the source).
A source's validators (ETag, Last-Modified) and a folder's file list are saved only after a
complete pass, so an interrupted pass is read again in full. A source that fails is recorded on
its row (typed error) and the pass goes on with the next one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection, Engine

from zhimei.errors import InputError, StorageError, ZhimeiError
from zhimei.intake.index import IntakeIndex, representative, vector_bytes
from zhimei.intake.indexing import document_entry, story_entry
from zhimei.intake.readers import Item, Reading, read_feed, read_folder, read_page
from zhimei.records import Document, DocumentTags, Source, SourceRun, TopicScore, utcnow
from zhimei.sources.fetch import Fetcher, FetchPolicy
from zhimei.sources.netguard import Resolver
from zhimei.store import documents as docs_repo
from zhimei.store import stories_repo
from zhimei.store.db import begin_write
from zhimei.store.jobs import enqueue
from zhimei.store.search import put_entry
from zhimei.store.sources_repo import SourceStore, put_folder_file
from zhimei.stories import ZeroShotClassifier, embed_documents, tag_documents
from zhimei.stories.classify import TopicClassifier
from zhimei.stories.cluster import story_id as story_key
from zhimei.stories.encoder import Embedder

if TYPE_CHECKING:
    from datetime import datetime

    import numpy as np
    from numpy.typing import NDArray

__all__ = ["DRAFT_TASKS", "Intake", "Progress"]

log = logging.getLogger(__name__)

DRAFT_TASKS = ("headline", "summary")
Progress = Callable[[str, int, int], None]  # (source name, items done, items in all)
_BATCH = 32
_ITEM_ERRORS = 20
Outcome = Literal["new", "duplicate", "updated", "unchanged"]


@dataclass(frozen=True)
class _Stored:
    outcome: Outcome
    new_story: bool = False
    drafts: int = 0


class Intake:
    """The intake of one process: fetch policy, models and in-memory indexes, over one store.

    ``load_embedder`` returns the sentence encoder; it is called on first need (loading the real
    one takes seconds, and a pass where nothing is new never needs it).
    """

    def __init__(
        self,
        engine: Engine,
        policy: FetchPolicy,
        load_embedder: Callable[[], Embedder],
        *,
        draft_tasks: Sequence[str] = DRAFT_TASKS,
        resolver: Resolver | None = None,
        classifier: TopicClassifier | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self._load_embedder = load_embedder
        self.draft_tasks = tuple(draft_tasks)
        self.resolver = resolver
        self._classifier = classifier
        self.sources = SourceStore(engine)

    @cached_property
    def embedder(self) -> Embedder:
        return self._load_embedder()

    @cached_property
    def classifier(self) -> TopicClassifier:
        return self._classifier or ZeroShotClassifier(self.embedder)

    @cached_property
    def index(self) -> IntakeIndex:
        return IntakeIndex(self.engine, self.embedder.dim)

    # -- passes ----------------------------------------------------------------------------------
    def run(
        self,
        sources: Sequence[Source],
        *,
        progress: Progress | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> list[SourceRun]:
        """One pass over ``sources`` in order; stops early (remaining sources untouched) when ``stop()``."""
        runs = []
        with Fetcher(self.policy, resolver=self.resolver) as fetcher:
            for source in sources:
                if stop is not None and stop():
                    break
                runs.append(self.run_source(source, fetcher, progress=progress, stop=stop))
        return runs

    def run_source(
        self,
        source: Source,
        fetcher: Fetcher,
        *,
        progress: Progress | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> SourceRun:
        """Ingest one source; the outcome is also recorded on the source's row."""
        started, at = time.monotonic(), utcnow()
        try:
            reading = self._read(source, fetcher)
        except StorageError:
            raise
        except Exception as exc:  # typed errors above all; anything else is recorded too, and logged
            if not isinstance(exc, ZhimeiError | OSError):
                log.exception("reading source %r failed", source.name)
            run = SourceRun(
                source=source.name,
                status="failed",
                error=str(exc),
                error_kind=type(exc).__name__,
                seconds=round(time.monotonic() - started, 3),
            )
            self.sources.record_run(source.id, run, at=at)
            return run
        if reading.not_modified:
            run = SourceRun(
                source=source.name, status="not_modified", seconds=round(time.monotonic() - started, 3)
            )
            self.sources.record_run(source.id, run, at=at)
            return run
        run = self._ingest(source, reading, at, progress or _no_progress, stop or _never)
        run = run.model_copy(update={"seconds": round(time.monotonic() - started, 3)})
        complete = run.status == "ok"
        if complete and reading.files:
            with begin_write(self.engine) as conn:
                for file in reading.files.values():
                    put_folder_file(conn, source.id, file)
        self.sources.record_run(
            source.id,
            run,
            at=at,
            etag=reading.validators.etag,
            last_modified=reading.validators.last_modified,
            keep_validators=not complete or source.kind == "folder",
        )
        return run

    def _read(self, source: Source, fetcher: Fetcher) -> Reading:
        if source.kind == "rss":
            with self.engine.connect() as conn:

                def known(locator: str) -> bool:
                    return bool(docs_repo.locator_hashes(conn, source.id, [locator]))

                return read_feed(fetcher, source, known)
        if source.kind == "web":
            return read_page(fetcher, source)
        return read_folder(source, self.sources.folder_files(source.id))

    # -- items -----------------------------------------------------------------------------------
    def _ingest(
        self, source: Source, reading: Reading, at: datetime, progress: Progress, stop: Callable[[], bool]
    ) -> SourceRun:
        items = reading.items
        counts = dict.fromkeys(
            ("new", "duplicate", "updated", "unchanged", "failed", "stories_new", "drafts_queued"), 0
        )
        errors: list[str] = []
        waiting = [i for i in items if not i.known]
        counts["unchanged"] = done = len(items) - len(waiting)
        progress(source.name, done, len(items))
        synced = False
        for start in range(0, len(waiting), _BATCH):
            batch = []
            for item in waiting[start : start + _BATCH]:
                if stop():
                    break
                batch.append(_resolved(item))  # a feed entry's page is fetched now
            failed = [i.error for i in batch if i.error]
            errors += failed
            counts["failed"] += len(failed)
            readable = [i for i in batch if i.document is not None]
            with self.engine.connect() as conn:
                stored = docs_repo.document_ids(
                    conn, [i.document.content_hash for i in readable if i.document]
                )
            todo = [i for i in readable if i.document and i.document.content_hash not in stored]
            counts["unchanged"] += len(readable) - len(todo)
            done += len(batch) - len(todo)
            progress(source.name, done, len(items))
            if todo and not synced:
                if "index" in self.__dict__ and self.index.stale:
                    del self.index  # rebuilt from the store over the last window
                self.index.sync()
                synced = True
            prepared, unusable = self._prepare(todo) if todo else ([], [])
            errors += unusable
            counts["failed"] += len(unusable)
            done += len(unusable)
            results = self._store_batch(source, prepared, at, stop)
            for result in results:
                counts[result.outcome] += 1
                counts["stories_new"] += result.new_story
                counts["drafts_queued"] += result.drafts
            done += len(results)
            progress(source.name, done, len(items))
            if stop():
                break
        status: Literal["ok", "cancelled"] = "cancelled" if done < len(items) else "ok"
        fields = {"source": source.name, "status": status, "item_errors": errors[:_ITEM_ERRORS], **counts}
        return SourceRun.model_validate(fields)

    def _prepare(
        self, batch: list[Item]
    ) -> tuple[list[tuple[Item, NDArray[np.float32], DocumentTags]], list[str]]:
        """Embeddings and tags of a batch of new items; items that cannot be embedded fail alone."""
        documents: list[Document] = [i.document for i in batch if i.document is not None]
        try:
            vectors = embed_documents(self.embedder, documents)
            tags = tag_documents(documents, _Embedded(self.classifier, vectors))
            return list(zip(batch, vectors, tags, strict=True)), []
        except InputError:
            if len(batch) == 1:
                return [], [f"{batch[0].locator or documents[0].title}: cannot be embedded (no text)"]
        prepared, failures = [], []
        for item in batch:
            one, failed = self._prepare([item])
            prepared += one
            failures += failed
        return prepared, failures

    def _store_batch(
        self,
        source: Source,
        prepared: list[tuple[Item, NDArray[np.float32], DocumentTags]],
        at: datetime,
        stop: Callable[[], bool],
    ) -> list[_Stored]:
        """Store prepared items in one transaction (one commit, not one per item: a synchronous
        commit costs milliseconds); all of them or, if anything fails, none."""
        results: list[_Stored] = []
        try:
            with begin_write(self.engine) as conn:
                for item, vector, tags in prepared:
                    if stop():
                        break
                    results.append(self._store(conn, source, item, vector, tags, at))
        except BaseException:
            # The in-memory indexes took in items that were rolled back: rebuild them from the store.
            self.__dict__.pop("index", None)
            raise
        return results

    def _store(
        self,
        conn: Connection,
        source: Source,
        item: Item,
        vector: NDArray[np.float32],
        tags: DocumentTags,
        at: datetime,
    ) -> _Stored:
        doc = item.document
        assert doc is not None
        new_id = docs_repo.insert_document(conn, doc, source_id=source.id, locator=item.locator, at=at)
        if new_id is None:
            return self._revise(conn, source, item, doc, at)
        duplicates = self.index.near_duplicates(doc)
        docs_repo.set_vector(conn, new_id, self.embedder.name, self.embedder.dim, vector_bytes(vector))
        docs_repo.set_tags(conn, new_id, tags)
        docs_repo.link_duplicates(conn, new_id, duplicates)
        put_entry(conn, document_entry(new_id, doc, at))
        story_id, similarity = None, 1.0
        if duplicates:  # a near-copy belongs with what it copies
            story_id = stories_repo.story_of(conn, duplicates[0][0])
            similarity = self.index.similarity(story_id, vector) if story_id is not None else 1.0
        if story_id is None:
            placement = self.index.place(vector)
            story_id, similarity = placement.story_id, placement.similarity
        drafts = -1
        if story_id is None:
            story_id, drafts = self._new_story(conn, new_id, doc, at)
        else:
            stories_repo.add_member(conn, story_id, new_id, similarity, at)
            self._refresh_story(conn, story_id, at)
        self.index.added(new_id, doc, story_id, vector)
        outcome: Outcome = "duplicate" if duplicates else "new"
        return _Stored(outcome, new_story=drafts >= 0, drafts=max(drafts, 0))

    def _revise(self, conn: Connection, source: Source, item: Item, doc: Document, at: datetime) -> _Stored:
        if docs_repo.document_ids(conn, [doc.content_hash]) or item.locator is None:
            return _Stored("unchanged")
        found = docs_repo.locator_hashes(conn, source.id, [item.locator]).get(item.locator)
        if found is None:  # the conflicting row went away meanwhile: leave it to the next pass
            return _Stored("unchanged")
        docs_repo.revise_document(conn, found[0], doc, at)
        put_entry(conn, document_entry(found[0], doc, at))
        return _Stored("updated")

    def _new_story(self, conn: Connection, document_id: int, doc: Document, at: datetime) -> tuple[int, int]:
        tags, lang = stories_repo.story_tags(conn, document_id)
        key = story_key(doc.content_hash)
        story_id = stories_repo.create_story(conn, key, document_id, lang, tags, at)
        put_entry(conn, story_entry(story_id, at, lang, tags.title, tags.keywords, tags.entities))
        drafts = 0
        for task in self.draft_tasks:
            queued = enqueue(conn, "draft", f"draft:{key}:{task}", {"story": story_id, "task": task})
            drafts += queued is not None
        return story_id, drafts

    def _refresh_story(self, conn: Connection, story_id: int, at: datetime) -> None:
        """Representative, languages, tags and search entry of a story that just grew."""
        members = stories_repo.members(conn, story_id)
        chosen = representative(members, self.embedder.dim)
        tags, lang = stories_repo.story_tags(conn, chosen)
        langs = list(dict.fromkeys(m.lang for m in members))
        stories_repo.update_story(conn, story_id, representative_id=chosen, langs=langs, tags=tags)
        titles = [m.title for m in members]
        put_entry(conn, story_entry(story_id, at, lang, tags.title, tags.keywords, tags.entities, titles))


def _resolved(item: Item) -> Item:
    try:
        return item.resolved()
    except StorageError:
        raise
    except Exception as exc:  # one unreadable item must not end the pass
        log.exception("reading %s failed", item.locator)
        return Item(item.locator, error=f"{item.locator}: {type(exc).__name__}: {exc}")


class _Embedded(TopicClassifier):
    """A classifier whose documents are embedded already (tags would otherwise embed them again)."""

    def __init__(self, classifier: TopicClassifier, vectors: NDArray[np.float32]) -> None:
        self.inner = classifier
        self.embedder = classifier.embedder
        self.labels = classifier.labels
        self.vectors = vectors

    def probabilities(self, vectors: NDArray[np.float32]) -> NDArray[np.float64]:
        return self.inner.probabilities(vectors)

    def classify_documents(self, docs: Sequence[Document], top_k: int = 3) -> list[tuple[TopicScore, ...]]:
        if len(docs) != len(self.vectors):
            return self.inner.classify_documents(docs, top_k)
        return self.topics(self.vectors, top_k)


def _no_progress(name: str, done: int, total: int) -> None:
    pass


def _never() -> bool:
    return False
