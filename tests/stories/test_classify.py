"""Topic classifiers with FakeConceptEmbedder: zero-shot, trained, save/load and hostile model files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.stories.conftest import FakeConceptEmbedder, MakeDoc
from zhimei.errors import InputError, StorageError
from zhimei.stories.categories import DEFAULT_CATEGORIES, Category
from zhimei.stories.classify import FORMAT, FORMAT_VERSION, TrainedClassifier, ZeroShotClassifier
from zhimei.stories.metrics import accuracy, macro_f1, stratified_folds
from zhimei.stories.softmax import fit_softmax, softmax

CATEGORIES = (
    Category("disaster", zh=("地震", "台风", "山火"), en=("earthquake", "typhoon", "wildfire")),
    Category("sports", zh=("足球",), en=("football",)),
    Category("tech", zh=("苹果手机",), en=("iphone",)),
)
TRAIN = [
    ("Earthquake hits the coast", "disaster"),
    ("台风登陆广东", "disaster"),
    ("Wildfire spreads in California", "disaster"),
    ("山火蔓延", "disaster"),
    ("Football final tonight", "sports"),
    ("足球联赛开幕", "sports"),
    ("Football transfer news", "sports"),
    ("Rates rise again", "finance"),
    ("央行调整利率", "finance"),
    ("Interest rates on hold", "finance"),
]


def test_zero_shot_labels_zh_and_en_texts(fake_embedder: FakeConceptEmbedder) -> None:
    clf = ZeroShotClassifier(fake_embedder, CATEGORIES)
    assert clf.labels == ("disaster", "sports", "tech")
    results = clf.classify(["Earthquake strikes Japan", "足球比赛", "New iPhone"], top_k=2)
    assert [r[0].label for r in results] == ["disaster", "sports", "tech"]
    assert all(len(r) == 2 and r[0].score >= r[1].score for r in results)
    assert clf.predict(["地震"]) == ["disaster"]
    probs = clf.probabilities(np.eye(fake_embedder.dim, dtype=np.float32)[:2])
    assert np.allclose(probs.sum(axis=1), 1.0)


def test_zero_shot_default_categories_cover_nlpcc(fake_embedder: FakeConceptEmbedder) -> None:
    labels = {c.label for c in DEFAULT_CATEGORIES}
    assert len(labels) == 18 and {"sports", "finance", "world", "regimen", "essay", "story"} <= labels
    assert all(c.zh and c.en for c in DEFAULT_CATEGORIES)
    assert len(ZeroShotClassifier(fake_embedder).labels) == 18


def test_zero_shot_refuses_bad_categories(fake_embedder: FakeConceptEmbedder) -> None:
    with pytest.raises(InputError):
        ZeroShotClassifier(fake_embedder, CATEGORIES[:1])
    with pytest.raises(InputError):
        ZeroShotClassifier(fake_embedder, (CATEGORIES[0], CATEGORIES[0]))
    with pytest.raises(InputError):
        ZeroShotClassifier(fake_embedder, (CATEGORIES[0], Category("empty", zh=(" ",), en=())))
    with pytest.raises(InputError):
        ZeroShotClassifier(fake_embedder, CATEGORIES, temperature=0)


def test_classifying_an_empty_text_is_an_input_error(
    fake_embedder: FakeConceptEmbedder, doc: MakeDoc
) -> None:
    clf = ZeroShotClassifier(fake_embedder, CATEGORIES)
    with pytest.raises(InputError):
        clf.classify(["fine", "  \n"])
    with pytest.raises(InputError):
        clf.classify_documents([doc("", "\x00\x01")])
    assert clf.classify([]) == []


def _trained(embedder: FakeConceptEmbedder) -> TrainedClassifier:
    return TrainedClassifier.fit(embedder, [t for t, _ in TRAIN], [label for _, label in TRAIN])


def test_trained_classifier_learns_labels_in_both_languages(fake_embedder: FakeConceptEmbedder) -> None:
    clf = _trained(fake_embedder)
    assert clf.labels == ("disaster", "finance", "sports")
    assert clf.predict(["Typhoon warning", "足球比赛", "利率下降"]) == ["disaster", "sports", "finance"]
    scores = clf.classify(["earthquake"], top_k=5)[0]
    assert len(scores) == 3 and scores[0].label == "disaster" and scores[0].score > 0.5


def test_trained_classifier_round_trips_through_a_file(
    fake_embedder: FakeConceptEmbedder, tmp_path: Path
) -> None:
    clf = _trained(fake_embedder)
    path = tmp_path / "models" / "topics.npz"
    clf.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["topics.npz"]  # no partial file left
    with np.load(path, allow_pickle=False) as data:
        header = json.loads(str(data["header"]))
    assert header["format"] == FORMAT and header["version"] == FORMAT_VERSION
    assert header["embedder"] == fake_embedder.name and header["examples"] == len(TRAIN)
    loaded = TrainedClassifier.load(path, fake_embedder)
    assert loaded.labels == clf.labels
    texts = ["Earthquake", "football", "rates", "unrelated words"]
    assert loaded.classify(texts) == clf.classify(texts)


def _write_npz(path: Path, header: object, weights: np.ndarray, bias: np.ndarray) -> Path:
    with path.open("wb") as fh:
        np.savez(fh, weights=weights, bias=bias, header=np.array(json.dumps(header)))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other"}, "not a zhimei classifier"),
        ({"version": 99}, "format version 99"),
        ({"embedder": "another-model"}, "trained on embedder"),
        ({"labels": ["a", "a", "b"]}, "invalid labels"),
        ({"labels": ["a", "b"]}, "do not fit"),
    ],
)
def test_loading_a_mismatched_file_is_an_input_error(
    fake_embedder: FakeConceptEmbedder, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    clf = _trained(fake_embedder)
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "labels": list(clf.labels),
        "embedder": fake_embedder.name,
    } | change
    path = _write_npz(tmp_path / "m.npz", header, clf.weights, clf.bias)
    with pytest.raises(InputError, match=message):
        TrainedClassifier.load(path, fake_embedder)


def test_loading_hostile_files_is_an_input_error(fake_embedder: FakeConceptEmbedder, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no classifier file"):
        TrainedClassifier.load(tmp_path / "missing.npz", fake_embedder)
    (tmp_path / "garbage.npz").write_bytes(b"\x00\xffnot a zip at all" * 10)
    np.save(tmp_path / "bare.npy", np.zeros(3))
    with pytest.raises(InputError, match=r"not an \.npz"):
        TrainedClassifier.load(tmp_path / "bare.npy", fake_embedder)
    (tmp_path / "empty.npz").write_bytes(b"")
    for name in ("garbage.npz", "empty.npz"):
        with pytest.raises(InputError):
            TrainedClassifier.load(tmp_path / name, fake_embedder)
    # Object arrays would need pickle: refused, never unpickled.
    with (tmp_path / "pickled.npz").open("wb") as fh:
        np.savez(fh, weights=np.array([{"x": 1}], dtype=object), bias=np.zeros(2), header=np.array("{}"))
    with pytest.raises(InputError):
        TrainedClassifier.load(tmp_path / "pickled.npz", fake_embedder)
    with zipfile.ZipFile(tmp_path / "partial.npz", "w") as zf:
        zf.writestr("weights.npy", b"truncated")
    with pytest.raises(InputError):
        TrainedClassifier.load(tmp_path / "partial.npz", fake_embedder)
    clf = _trained(fake_embedder)
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "labels": list(clf.labels),
        "embedder": "fake-concepts",
    }
    bad = clf.weights.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InputError, match="invalid weights"):
        TrainedClassifier.load(_write_npz(tmp_path / "nan.npz", header, bad, clf.bias), fake_embedder)
    (tmp_path / "header.npz").write_bytes(b"")
    with (tmp_path / "header.npz").open("wb") as fh:
        np.savez(fh, weights=clf.weights, bias=clf.bias, header=np.array("{not json"))
    with pytest.raises(InputError, match="unreadable header"):
        TrainedClassifier.load(tmp_path / "header.npz", fake_embedder)


def test_saving_where_it_cannot_write_is_a_storage_error(
    fake_embedder: FakeConceptEmbedder, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError):
        _trained(fake_embedder).save(blocker / "topics.npz")


def test_training_data_is_checked(fake_embedder: FakeConceptEmbedder) -> None:
    with pytest.raises(InputError, match="at least two different labels"):
        TrainedClassifier.fit(fake_embedder, ["earthquake", "typhoon"], ["disaster", "disaster"])
    with pytest.raises(InputError, match="labels"):
        TrainedClassifier.fit(fake_embedder, ["earthquake", "football"], ["disaster"])
    with pytest.raises(InputError, match="non-empty"):
        TrainedClassifier.fit(fake_embedder, ["earthquake", "football"], ["disaster", " "])
    with pytest.raises(InputError):
        TrainedClassifier.fit(fake_embedder, ["earthquake", ""], ["disaster", "sports"])


def test_softmax_regression_fits_separable_data() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 20))
    y = rng.integers(0, 4, size=400)
    X = centres[y] + 0.3 * rng.normal(size=(400, 20)) + 5.0  # a shared offset, as embeddings have
    weights, bias = fit_softmax(X, y, 4, l2=0.01)
    assert ((X @ weights + bias).argmax(axis=1) == y).mean() > 0.98
    assert np.allclose(softmax(np.array([[1000.0, 1000.0]])), 0.5)
    with pytest.raises(InputError):
        fit_softmax(X[:0], y[:0], 4)
    with pytest.raises(InputError):
        fit_softmax(X, y, 4, l2=0)


def test_accuracy_macro_f1_and_folds() -> None:
    truth = ["a", "a", "b", "b", "c", "c"]
    assert accuracy(truth, truth) == 1.0 and macro_f1(truth, truth) == 1.0
    guess = ["a", "a", "a", "b", "c", "b"]
    assert accuracy(guess, truth) == 4 / 6
    # F1: a = 0.8, b = 0.5, c = 2/3.
    assert macro_f1(guess, truth) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    labels = ["x"] * 10 + ["y"] * 5
    folds = stratified_folds(labels, 5, seed=1)
    assert sorted(i for f in folds for i in f) == list(range(15))
    assert all(sum(labels[i] == "y" for i in f) == 1 for f in folds)
    assert folds == stratified_folds(labels, 5, seed=1)
    with pytest.raises(ValueError):
        stratified_folds(["x", "y"], 2)
