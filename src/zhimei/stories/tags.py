"""Tags of documents in one pass: topics (one batched embedding), keywords and entities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from zhimei.records import Document, DocumentTags
from zhimei.stories.classify import TopicClassifier
from zhimei.stories.entities import entities
from zhimei.stories.keywords import keywords

__all__ = ["tag_documents"]


def tag_documents(
    docs: Sequence[Document],
    classifier: TopicClassifier,
    *,
    top_topics: int = 3,
    top_keywords: int = 10,
    zh_method: Literal["tfidf", "textrank"] = "tfidf",
    en_idf: Mapping[str, float] | None = None,
) -> list[DocumentTags]:
    """Topics, keywords and entities of each document, in input order.

    Topics come from title + lead, keywords from title + text. Entities come from the text alone
    for en (a Title Case headline would read as one long name) and from title + text for zh. An
    unusable document (no title, no text) raises InputError before any is tagged.
    """
    topics = classifier.classify_documents(docs, top_topics)
    out = []
    for doc, doc_topics in zip(docs, topics, strict=True):
        full = f"{doc.title}\n{doc.text}"
        out.append(
            DocumentTags(
                document=doc.content_hash,
                topics=doc_topics,
                keywords=keywords(full, doc.lang, top_keywords, zh_method=zh_method, en_idf=en_idf),
                entities=entities(full if doc.lang == "zh" or not doc.text.strip() else doc.text, doc.lang),
            )
        )
    return out
