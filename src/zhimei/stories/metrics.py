"""Small evaluation helpers for the stories stage: pairwise clustering scores, accuracy, macro-F1,
stratified folds. Pure Python, no numpy."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from itertools import combinations

__all__ = ["accuracy", "macro_f1", "pairwise_precision_recall", "stratified_folds"]


def _pairs(assignment: Sequence[Hashable]) -> set[tuple[int, int]]:
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, label in enumerate(assignment):
        groups[label].append(i)
    return {pair for members in groups.values() for pair in combinations(members, 2)}


def pairwise_precision_recall(
    predicted: Sequence[Hashable], truth: Sequence[Hashable]
) -> tuple[float, float]:
    """Precision and recall over pairs of items put together, by ``predicted`` vs ``truth`` cluster ids.

    With no predicted pairs precision is 1.0; with no true pairs recall is 1.0.
    """
    if len(predicted) != len(truth):
        raise ValueError("predicted and truth must label the same items")
    got, want = _pairs(predicted), _pairs(truth)
    right = len(got & want)
    return (right / len(got) if got else 1.0), (right / len(want) if want else 1.0)


def accuracy(predicted: Sequence[str], truth: Sequence[str]) -> float:
    """Share of items whose predicted label is the true one."""
    if len(predicted) != len(truth) or not truth:
        raise ValueError("need the same, non-zero number of predictions and labels")
    return sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(truth)


def macro_f1(predicted: Sequence[str], truth: Sequence[str]) -> float:
    """F1 averaged over the true labels (each label weighs the same, whatever its size)."""
    if len(predicted) != len(truth) or not truth:
        raise ValueError("need the same, non-zero number of predictions and labels")
    scores = []
    for label in sorted(set(truth)):
        tp = sum(p == label == t for p, t in zip(predicted, truth, strict=True))
        fp = sum(p == label != t for p, t in zip(predicted, truth, strict=True))
        fn = sum(t == label != p for p, t in zip(predicted, truth, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def stratified_folds(labels: Sequence[str], k: int, seed: int = 0) -> list[list[int]]:
    """``k`` folds of item indices, each label spread evenly over the folds (shuffled with ``seed``)."""
    counts = Counter(labels)
    if k < 2 or min(counts.values()) < k:
        raise ValueError(f"every label needs at least k={k} items for {k} folds")
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for label in sorted(counts):
        members = [i for i, lab in enumerate(labels) if lab == label]
        rng.shuffle(members)
        for j, i in enumerate(members):
            folds[(j + offset) % k].append(i)
        offset += len(members)  # the next label starts where this one left off: folds stay even
    return [sorted(f) for f in folds]
