"""Topic classification and story clustering with the embedded sentence encoder.

1. NLPCC 2017 headlines (``label<TAB>title``, 18 categories): accuracy and macro-F1 of the default
   zero-shot classifier (no training) and of the trainable classifier, 5-fold stratified
   cross-validation with a fixed seed (each headline predicted once, by the model that did not see
   it). Baselines in the same run: the majority label, and scikit-learn's LogisticRegression on the
   same embeddings and folds when scikit-learn is installed.
2. Stories: pairwise precision/recall of incremental clustering on the self-made bilingual set of
   zh/en reports (tests/stories/fixtures/bilingual_events.jsonl), over 5 arrival orders, for a
   sweep of thresholds around the default.

    python benchmarks/bench_classify.py [PATH] [--quick] [--events PATH] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, SHARED_DATA

from zhimei.config import load_settings
from zhimei.records import Document
from zhimei.stories._deps import one_blas_thread
from zhimei.stories.classify import DEFAULT_L2, TrainedClassifier, ZeroShotClassifier
from zhimei.stories.cluster import DEFAULT_STORY_THRESHOLD, StoryClusterer
from zhimei.stories.encoder import SentenceEncoder, embed_documents, embed_texts, load_sentence_encoder
from zhimei.stories.metrics import accuracy, macro_f1, pairwise_precision_recall, stratified_folds

EVENTS = ROOT / "tests" / "stories" / "fixtures" / "bilingual_events.jsonl"


def read_headlines(path: Path, per_label: int | None, seed: int) -> tuple[list[str], list[str]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            label, _, title = line.rstrip("\n").partition("\t")
            if label and title and label != "label":
                rows.append((label, title))
    if per_label:
        random.Random(seed).shuffle(rows)
        taken: Counter[str] = Counter()
        rows = [r for r in rows if (taken.update([r[0]]) or taken[r[0]] <= per_label)]
    return [t for _, t in rows], [label for label, _ in rows]


def cross_validate(
    encoder: SentenceEncoder, vectors: np.ndarray, labels: list[str], seed: int, sklearn: bool
) -> list[str]:
    pred = [""] * len(labels)
    for fold in stratified_folds(labels, 5, seed):
        train = np.setdiff1d(np.arange(len(labels)), fold)
        train_labels = [labels[i] for i in train]
        if sklearn:
            from sklearn.linear_model import LogisticRegression

            model = LogisticRegression(max_iter=2000).fit(vectors[train], train_labels)
            guesses = list(model.predict(vectors[fold]))
        else:
            clf = TrainedClassifier.fit_vectors(encoder, vectors[train], train_labels)
            guesses = [s[0].label for s in clf.topics(vectors[fold], top_k=1)]
        for i, g in zip(fold, guesses, strict=True):
            pred[i] = str(g)
    return pred


def classification(encoder: SentenceEncoder, path: Path, per_label: int | None, seed: int) -> None:
    texts, labels = read_headlines(path, per_label, seed)
    start = time.perf_counter()
    vectors = embed_texts(encoder, texts)
    seconds = time.perf_counter() - start
    print(f"headlines={len(texts)} labels={len(set(labels))} embed_per_s={len(texts) / seconds:.0f}")

    majority = Counter(labels).most_common(1)[0][0]
    base = [majority] * len(labels)
    print(f"majority_accuracy={accuracy(base, labels):.3f} majority_macro_f1={macro_f1(base, labels):.3f}")

    zero = ZeroShotClassifier(encoder)
    unknown = set(labels) - set(zero.labels)
    if unknown:
        print(f"zero-shot skipped: labels without a default category: {sorted(unknown)}")
    else:
        guesses = [s[0].label for s in zero.topics(vectors, top_k=1)]
        acc, f1 = accuracy(guesses, labels), macro_f1(guesses, labels)
        print(f"zero_shot_accuracy={acc:.3f} zero_shot_macro_f1={f1:.3f}")

    start = time.perf_counter()
    ours = cross_validate(encoder, vectors, labels, seed, sklearn=False)
    seconds = time.perf_counter() - start
    print(
        f"trained_accuracy={accuracy(ours, labels):.3f} trained_macro_f1={macro_f1(ours, labels):.3f} "
        f"(5-fold cross-validated, l2={DEFAULT_L2}, 5 fits in {seconds:.1f}s)"
    )
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn not installed: no LogisticRegression baseline")
        return
    theirs = cross_validate(encoder, vectors, labels, seed, sklearn=True)
    acc, theirs_acc = accuracy(ours, labels), accuracy(theirs, labels)
    print(
        f"sklearn_accuracy={theirs_acc:.3f} sklearn_macro_f1={macro_f1(theirs, labels):.3f} "
        f"(LogisticRegression, same folds) trained_vs_sklearn_ratio={acc / theirs_acc:.3f}x"
    )


def read_events(path: Path) -> tuple[list[Document], list[str]]:
    docs, events = [], []
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            row = json.loads(line)
            docs.append(
                Document(
                    source="fixture",
                    title=row["title"],
                    text=row["text"],
                    lang=row["lang"],
                    content_hash=f"{i:064x}",
                    published=datetime.fromisoformat(row["published"]),
                )
            )
            events.append(row["event"])
    return docs, events


def clustering(encoder: SentenceEncoder, path: Path) -> None:
    docs, events = read_events(path)
    vectors = embed_documents(encoder, docs)
    print(f"stories: {len(docs)} reports of {len(set(events))} events (zh+en), 5 arrival orders")
    for threshold in (0.4, 0.45, DEFAULT_STORY_THRESHOLD, 0.55, 0.6):
        ps, rs, counts = [], [], []
        for seed in range(5):
            order = list(range(len(docs)))
            random.Random(seed).shuffle(order)
            clusterer = StoryClusterer(encoder, threshold)
            for i in order:
                clusterer.add_vector(docs[i], vectors[i])
            assigned = [clusterer.story_of(d.content_hash).id for d in docs]
            p, r = pairwise_precision_recall(assigned, events)
            ps.append(p)
            rs.append(r)
            counts.append(len(clusterer))
        p, r = float(np.mean(ps)), float(np.mean(rs))
        print(
            f"threshold {threshold:.2f}: pairwise precision {p:.3f} recall {r:.3f} "
            f"F1 {2 * p * r / (p + r):.3f}, {np.mean(counts):.1f} stories"
        )
        if threshold == DEFAULT_STORY_THRESHOLD:
            default = (p, r)
    print(f"story_precision={default[0]:.3f} story_recall={default[1]:.3f} (default threshold)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=SHARED_DATA / "nlpcc2017_headlines_dev.tsv",
        help="label<TAB>title",
    )
    ap.add_argument("--quick", action="store_true", help="30 headlines per label")
    ap.add_argument("--events", type=Path, default=EVENTS, help="bilingual reports (jsonl) for clustering")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    start = time.perf_counter()
    encoder = load_sentence_encoder(load_settings().models_dir)
    print(f"encoder={encoder.name} loaded in {time.perf_counter() - start:.1f}s")
    with one_blas_thread():  # the same for zhimei and the scikit-learn baseline
        if args.path.is_file():
            classification(encoder, args.path, 30 if args.quick else None, args.seed)
        else:
            print(f"no headlines at {args.path}: classification skipped")
        clustering(encoder, args.events)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
