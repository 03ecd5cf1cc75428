"""Records of stories: near-duplicates, stories, topics, keywords, entities and tags."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from zhimei.records.base import Lang, Record

__all__ = ["DocumentTags", "Entity", "Keyword", "NearDuplicate", "Story", "TopicScore"]


class NearDuplicate(Record):
    """An indexed document that nearly repeats another: its key and the estimated Jaccard similarity."""

    key: str
    similarity: float = Field(ge=0.0, le=1.0)


class Story(Record):
    """Documents about one event, in any language, keyed by their ``content_hash``.

    ``documents`` are in the order they joined; ``representative`` is one of them (see
    ``zhimei.stories.cluster`` for the rule).
    """

    id: str
    documents: tuple[str, ...] = Field(min_length=1)
    representative: str
    langs: tuple[Lang, ...]


class TopicScore(Record):
    """One topic label for a text, with the classifier's probability for it."""

    label: str
    score: float = Field(ge=0.0, le=1.0)


class Keyword(Record):
    """A keyword of a text and its weight (TF-IDF or TextRank, higher is more central)."""

    text: str
    weight: float


class Entity(Record):
    """A named entity found in a text; ``kind`` is ``name`` where the extractor cannot tell the type."""

    text: str
    kind: Literal["person", "place", "organisation", "name"]
    count: int = Field(default=1, ge=1)


class DocumentTags(Record):
    """Topics, keywords and entities of one document (keyed by its ``content_hash``)."""

    document: str
    topics: tuple[TopicScore, ...]
    keywords: tuple[Keyword, ...]
    entities: tuple[Entity, ...]
