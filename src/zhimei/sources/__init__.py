"""Ingest: turning feeds, pages, files and media into documents.

Modules (import them directly; this package imports only :mod:`.decode`, which many use):

* :mod:`.fetch` — ``Fetcher`` / ``fetch(url, policy=, validators=) -> FetchResult | NotModified``,
  safe by construction (:mod:`.netguard` is the SSRF guard, :mod:`.transport` the pinned wire).
* :mod:`.feeds` — ``parse_feed(data, url) -> FeedParse``; ``item_document(item, source=)``.
* :mod:`.pages` — ``parse_page(data, url, headers) -> Document``.
* :mod:`.files` — ``parse_file(path) -> list[Document]`` (txt, md, html, docx, pdf, csv, json).
* :mod:`.opml` — ``parse_opml(data) -> list[OpmlFeed]``.
* :mod:`.clean` — the one normalisation (``clean_text``, ``content_hash``) and ``make_document``.
* :mod:`.decode` — bytes to text (BOM, declared charsets, GB18030, Big5, detection).
* :mod:`.errors` — ``FetchError`` and its kinds; content errors (no article, no text layer …).
"""

from zhimei.sources.decode import MAX_BYTES, decode_text, read_text_file

__all__ = ["MAX_BYTES", "decode_text", "read_text_file"]
