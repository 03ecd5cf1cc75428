"""Story clustering with FakeConceptEmbedder: cross-language joins, new stories, the representative rule."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from tests.stories.conftest import FakeConceptEmbedder, MakeDoc
from zhimei.errors import InputError, NotFoundError
from zhimei.stories.cluster import StoryClusterer, story_id
from zhimei.stories.metrics import pairwise_precision_recall


def test_same_event_in_two_languages_is_one_story(fake_embedder: FakeConceptEmbedder, doc: MakeDoc) -> None:
    clusterer = StoryClusterer(fake_embedder, threshold=0.8)
    quake_en = doc("Earthquake hits Hokkaido", "A strong earthquake struck.", "en")
    quake_zh = doc("北海道发生地震", "强烈地震。", "zh")
    storm = doc("Typhoon makes landfall", "The typhoon brought rain.", "en")
    first = clusterer.add(quake_en)
    assert first.id == story_id(quake_en.content_hash)
    assert first.documents == (quake_en.content_hash,) and first.representative == quake_en.content_hash
    joined = clusterer.add(quake_zh)
    assert joined.id == first.id
    assert joined.documents == (quake_en.content_hash, quake_zh.content_hash)
    assert joined.langs == ("en", "zh")
    assert clusterer.add(storm).id != first.id
    assert len(clusterer) == 2
    assert [s.id for s in clusterer.stories()] == [first.id, clusterer.story_of(storm.content_hash).id]
    assert clusterer.story(first.id) == clusterer.story_of(quake_zh.content_hash)


def test_add_many_keeps_input_order_and_ignores_repeats(
    fake_embedder: FakeConceptEmbedder, doc: MakeDoc
) -> None:
    clusterer = StoryClusterer(fake_embedder, threshold=0.8)
    a = doc("Football final", "football", "en")
    b = doc("足球决赛", "足球", "zh")
    c = doc("Wildfire spreads", "wildfire", "en")
    stories = clusterer.add_many([a, b, a, c])
    assert stories[0].id == stories[1].id == stories[2].id != stories[3].id
    assert stories[2].documents == (a.content_hash, b.content_hash)
    calls = fake_embedder.calls
    assert clusterer.add(a).documents == (a.content_hash, b.content_hash)
    assert fake_embedder.calls == calls  # a document already placed is not embedded again


def test_an_unusable_document_fails_the_batch_before_any_is_placed(
    fake_embedder: FakeConceptEmbedder, doc: MakeDoc
) -> None:
    clusterer = StoryClusterer(fake_embedder)
    good = doc("Earthquake", "earthquake", "en")
    with pytest.raises(InputError):
        clusterer.add_many([good, doc(" ", "\n\t", "en")])
    assert len(clusterer) == 0
    with pytest.raises(NotFoundError):
        clusterer.story_of(good.content_hash)


def test_representative_prefers_central_then_earliest_then_longest(
    fake_embedder: FakeConceptEmbedder, doc: MakeDoc
) -> None:
    clusterer = StoryClusterer(fake_embedder, threshold=0.5)
    day = datetime(2024, 6, 1, tzinfo=UTC)
    off_centre = doc("Earthquake and typhoon", "earthquake earthquake typhoon typhoon", "en", day)
    late_short = doc("Earthquake", "earthquake", "en", day.replace(day=3))
    early = doc("地震", "地震发生", "zh", day.replace(day=2))
    early_long = doc("地震 ", "地震发生，更多细节随后公布", "zh", day.replace(day=2))
    undated_longest = doc("Earthquake report", "earthquake " + "details " * 50, "en")
    for d in (off_centre, late_short, early, early_long, undated_longest):
        story = clusterer.add(d)
    assert len(story.documents) == 5
    # The typhoon mix is the earliest but far from the centre; among the tied central ones the
    # earliest date wins, and between equal dates the longer one; undated comes last.
    assert story.representative == early_long.content_hash


def test_stories_are_compared_by_centroid(fake_embedder: FakeConceptEmbedder, doc: MakeDoc) -> None:
    clusterer = StoryClusterer(fake_embedder, threshold=0.9)
    clusterer.add(doc("Rates rise", "rates", "en"))
    assert clusterer.add(doc("利率上升", "利率", "zh")).documents.__len__() == 2
    # A document about rates and an election is closer to no story than 0.9: a new story.
    assert len(clusterer.add(doc("Rates and election", "rates election", "en")).documents) == 1
    assert len(clusterer) == 2


def test_add_vector_checks_the_shape(fake_embedder: FakeConceptEmbedder, doc: MakeDoc) -> None:
    clusterer = StoryClusterer(fake_embedder)
    with pytest.raises(InputError):
        clusterer.add_vector(doc("x", "y"), np.ones(3, dtype=np.float32))
    zero = clusterer.add_vector(doc("z", "z"), np.zeros(fake_embedder.dim, dtype=np.float32))
    assert len(zero.documents) == 1  # a zero vector is similar to nothing: its own story
    assert clusterer.add_vector(doc("w", "w"), np.zeros(fake_embedder.dim, dtype=np.float32)).id != zero.id


def test_threshold_is_checked(fake_embedder: FakeConceptEmbedder) -> None:
    with pytest.raises(InputError):
        StoryClusterer(fake_embedder, threshold=1.5)
    with pytest.raises(NotFoundError):
        StoryClusterer(fake_embedder).story("story-missing")


def test_pairwise_precision_recall() -> None:
    assert pairwise_precision_recall([1, 1, 2, 2], ["a", "a", "b", "b"]) == (1.0, 1.0)
    p, r = pairwise_precision_recall([1, 1, 1, 2], ["a", "a", "b", "b"])
    assert (p, r) == (1 / 3, 1 / 2)
    assert pairwise_precision_recall([1, 2, 3], ["a", "b", "c"]) == (1.0, 1.0)
    with pytest.raises(ValueError):
        pairwise_precision_recall([1], ["a", "b"])
