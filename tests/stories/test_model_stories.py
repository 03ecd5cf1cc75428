"""The real multilingual sentence encoder: cross-language stories, zero-shot topics, hostile input."""

from __future__ import annotations

import json
import random
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from tests.stories.conftest import FIXTURES, make_doc
from zhimei.errors import InputError
from zhimei.records import Document
from zhimei.stories.classify import TrainedClassifier, ZeroShotClassifier
from zhimei.stories.cluster import StoryClusterer
from zhimei.stories.encoder import SentenceEncoder, embed_documents, load_sentence_encoder
from zhimei.stories.metrics import pairwise_precision_recall

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def encoder(models_dir: Path) -> SentenceEncoder:
    return load_sentence_encoder(models_dir)


def _events() -> tuple[list[Document], list[str]]:
    docs, events = [], []
    for line in (FIXTURES / "bilingual_events.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        docs.append(
            make_doc(row["title"], row["text"], row["lang"], datetime.fromisoformat(row["published"]))
        )
        events.append(row["event"])
    return docs, events


def test_reports_of_one_event_in_zh_and_en_form_one_story(encoder: SentenceEncoder) -> None:
    docs, events = _events()
    vectors = embed_documents(encoder, docs)
    precisions, recalls = [], []
    for seed in range(3):
        order = list(range(len(docs)))
        random.Random(seed).shuffle(order)
        clusterer = StoryClusterer(encoder)
        for i in order:
            clusterer.add_vector(docs[i], vectors[i])
        p, r = pairwise_precision_recall([clusterer.story_of(d.content_hash).id for d in docs], events)
        precisions.append(p)
        recalls.append(r)
    # Measured at the default threshold: precision 0.94, recall 0.85 (mean of 5 orders).
    assert np.mean(precisions) >= 0.85 and np.mean(recalls) >= 0.75
    # Most stories with more than one report mix the two languages.
    stories = [s for s in clusterer.stories() if len(s.documents) > 1]
    assert sum(len(s.langs) == 2 for s in stories) >= 0.75 * len(stories)


def test_translated_pairs_are_closer_than_other_events(encoder: SentenceEncoder) -> None:
    pairs = [
        ("北海道发生6.8级地震", "Magnitude 6.8 earthquake strikes Hokkaido"),
        ("美联储宣布加息25个基点", "Federal Reserve raises interest rates by 25 basis points"),
        ("皇马击败多特蒙德夺得欧冠冠军", "Real Madrid beat Dortmund to win the Champions League"),
        ("苹果发布新一代iPhone", "Apple unveils a new iPhone"),
    ]
    zh = encoder.embed([a for a, _ in pairs])
    en = encoder.embed([b for _, b in pairs])
    similarity = zh @ en.T
    assert (similarity.argmax(axis=1) == np.arange(len(pairs))).all()
    assert (np.diag(similarity) > 0.5).all()


def test_zero_shot_topics_make_sense(encoder: SentenceEncoder) -> None:
    clf = ZeroShotClassifier(encoder)
    texts = {
        "皇马2比0击败多特蒙德夺得欧冠冠军": "sports",
        "央行宣布下调存款准备金率0.5个百分点": "finance",
        "Real Madrid win the Champions League final": "sports",
        "New fighter jets and aircraft carriers join the navy": "military",
        "宝宝发烧了怎么办？新手妈妈必看的育儿知识": "baby",
        "这道红烧肉的家常做法，简单又好吃": "food",
    }
    predicted = clf.predict(list(texts))
    assert sum(p == t for p, t in zip(predicted, texts.values(), strict=True)) >= 5


def test_trained_classifier_on_real_embeddings(encoder: SentenceEncoder, tmp_path: Path) -> None:
    data = [
        ("国足客场负于泰国队", "sports"),
        ("NBA总决赛勇士夺冠", "sports"),
        ("Real Madrid win the final", "sports"),
        ("股市大涨 沪指站上3000点", "finance"),
        ("央行降准释放流动性", "finance"),
        ("Stocks rally as the Fed holds rates", "finance"),
    ]
    clf = TrainedClassifier.fit(encoder, [t for t, _ in data], [label for _, label in data])
    clf.save(tmp_path / "topics.npz")
    loaded = TrainedClassifier.load(tmp_path / "topics.npz", encoder)
    assert loaded.predict(["Lakers beat Celtics in overtime", "人民币汇率上涨"]) == ["sports", "finance"]


def test_hostile_texts(encoder: SentenceEncoder) -> None:
    for bad in ("", "   \n\t", "\x00\x01\u200b"):
        with pytest.raises(InputError):
            encoder.embed(["fine", bad])
    odd = ["a", "中", "😀🎉", "Apple发布iPhone😀新品", "\x1b[31mred\x1b[0m", "x" * 2_000_000]
    start = time.perf_counter()
    vectors = encoder.embed(odd)
    assert time.perf_counter() - start < 10  # the huge text is capped
    assert vectors.shape == (len(odd), 512) and np.isfinite(vectors).all()
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
