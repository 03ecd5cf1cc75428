"""The intake stage: sources in the store, polled into documents, stories, tags and auto-drafts.

Modules (import them directly; this package imports nothing heavy):

* :mod:`.pipeline` — ``Intake``: one ingest pass over sources (read → store idempotently →
  near-duplicates → stories → tags → auto-draft jobs).
* :mod:`.readers` — a source's items: feed entries (and their pages), a web page, a folder's files.
* :mod:`.index` — the in-memory near-duplicate index and story centroids, rebuilt from the store.
* :mod:`.drafts` — auto-drafts of new stories through the writing tasks, with a links check.
* :mod:`.service` — ingest and draft job handlers, and polling sources on their schedule.
* :mod:`.archive` — importing past published articles into the archive.
* :mod:`.segment`, :mod:`.indexing` — words for full-text search (jieba for zh) and searching.
* :mod:`.durations` — ``15m``, ``7d``, dates, as people type them.
"""
