"""Near-duplicate detection at two scales: time of indexing n and 10·n synthetic documents (each
``add`` queries then inserts), their ratio (sub-quadratic: ≈10x, target ≤ 12x), and precision and
recall on planted near-duplicates. Ratios use CPU time of this process: on a shared machine the
wall time of a run depends on what else is running (both are printed). datasketch (MinHash +
MinHashLSH on the same shingles) is the baseline, measured in the same run when it is installed.

    python benchmarks/bench_dedupe.py [--quick] [--small N] [--no-baseline]

Documents are random zh and en texts drawn from Zipf-distributed synthetic vocabularies (so common
words and n-grams repeat across documents, as in news). A share of them get one planted
near-duplicate: words edited (replaced, inserted, deleted), sentences reordered, the end truncated,
or edits plus truncation. A found pair is right when it is a planted pair.
"""

from __future__ import annotations

import argparse
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from zhimei.records import Lang
from zhimei.stories.dedupe import DEFAULT_DEDUPE_THRESHOLD, NearDuplicateIndex
from zhimei.stories.shingles import EN_SHINGLE, ZH_SHINGLE

_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))
# Common CJK ideographs live mostly in U+4E00–U+6FFF; 3,500 of them is a newspaper's working set.
_HAN = np.array([chr(0x4E00 + i) for i in range(0, 3500 * 6, 6)])


@dataclass(frozen=True)
class Doc:
    key: str
    text: str
    lang: Lang


class Corpus:
    """Random zh/en documents from Zipf vocabularies, with planted near-duplicates."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        rng = self.rng
        self.vocab: dict[Lang, np.ndarray] = {
            "en": np.array(["".join(rng.choice(_LETTERS, rng.integers(2, 10))) for _ in range(8000)]),
            "zh": np.array(["".join(rng.choice(_HAN, rng.integers(1, 4))) for _ in range(8000)]),
        }
        ranks = np.arange(1, 8001)
        self.weights = (1 / ranks**1.07) / (1 / ranks**1.07).sum()

    def sentences(self, lang: Lang) -> list[list[str]]:
        n = int(self.rng.integers(4, 10))
        words = self.rng.choice(self.vocab[lang], size=n * 18, p=self.weights)
        lengths = self.rng.integers(8, 18, size=n)
        return [list(words[i * 18 : i * 18 + k]) for i, k in enumerate(lengths)]

    @staticmethod
    def render(sentences: list[list[str]], lang: Lang) -> str:
        if lang == "zh":
            return "".join(
                "，".join(["".join(s[: len(s) // 2]), "".join(s[len(s) // 2 :])]) + "。" for s in sentences
            )
        return " ".join(" ".join(s).capitalize() + "." for s in sentences)

    def edit(self, sentences: list[list[str]], lang: Lang, rate: float) -> list[list[str]]:
        out = []
        for s in sentences:
            s = list(s)
            for i in reversed(range(len(s))):
                if self.rng.random() < rate:
                    op = self.rng.integers(3)
                    if op == 0:
                        s[i] = str(self.rng.choice(self.vocab[lang]))
                    elif op == 1:
                        s.insert(i, str(self.rng.choice(self.vocab[lang])))
                    elif len(s) > 1:
                        del s[i]
            out.append(s)
        return out

    def mutate(self, sentences: list[list[str]], lang: Lang) -> tuple[str, list[list[str]]]:
        kind = ["edit", "reorder", "truncate", "edit+truncate"][int(self.rng.integers(4))]
        if kind == "edit":
            return kind, self.edit(sentences, lang, 0.05)
        if kind == "reorder":
            order = self.rng.permutation(len(sentences))
            return kind, [sentences[i] for i in order]
        keep = max(2, round(len(sentences) * float(self.rng.uniform(0.7, 0.9))))
        cut = sentences[:keep]
        return kind, (self.edit(cut, lang, 0.03) if kind == "edit+truncate" else cut)

    def documents(self, n: int, dup_share: float) -> tuple[list[Doc], set[frozenset[str]], dict[str, str]]:
        """``n`` documents in arrival order, the planted pairs, and the mutation of each duplicate."""
        docs: list[Doc] = []
        pending: list[tuple[int, Doc]] = []  # duplicates arrive a little later than their original
        planted: set[frozenset[str]] = set()
        kinds: dict[str, str] = {}
        while len(docs) < n:
            while pending and pending[0][0] <= len(docs):
                docs.append(pending.pop(0)[1])
            lang: Lang = "zh" if self.rng.random() < 0.5 else "en"
            sentences = self.sentences(lang)
            original = Doc(f"d{len(docs)}", self.render(sentences, lang), lang)
            docs.append(original)
            if self.rng.random() < dup_share:
                kind, changed = self.mutate(sentences, lang)
                dup = Doc(original.key + "-dup", self.render(changed, lang), lang)
                pending.append((len(docs) + int(self.rng.integers(1, 50)), dup))
                planted.add(frozenset((original.key, dup.key)))
                kinds[dup.key] = kind
        docs = docs[:n]
        keys = {d.key for d in docs}
        return docs, {p for p in planted if p <= keys}, kinds


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def shingle_strings(text: str, lang: Lang) -> set[str]:
    """The same shingles zhimei hashes, as strings (for datasketch and for exact Jaccard)."""
    if lang == "en":
        words = re.findall(r"\w+", _norm(text))
        k = min(EN_SHINGLE, len(words))
        return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}
    chars = re.sub(r"[\W_]+", "", _norm(text))
    k = min(ZH_SHINGLE, len(chars))
    return {chars[i : i + k] for i in range(len(chars) - k + 1)}


Timed = tuple[float, float, set[frozenset[str]]]


def run_zhimei(docs: list[Doc], threshold: float) -> Timed:
    """Wall and CPU seconds of indexing ``docs`` one by one, and the pairs found."""
    index = NearDuplicateIndex(threshold)
    found: set[frozenset[str]] = set()
    wall, cpu = time.perf_counter(), time.process_time()
    for d in docs:
        for m in index.add(d.key, d.text, d.lang):
            found.add(frozenset((d.key, m.key)))
    return time.perf_counter() - wall, time.process_time() - cpu, found


def run_datasketch(docs: list[Doc], threshold: float) -> Timed:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    found: set[frozenset[str]] = set()
    wall, cpu = time.perf_counter(), time.process_time()
    for d in docs:
        m = MinHash(num_perm=128, seed=1)
        m.update_batch([s.encode("utf-8") for s in shingle_strings(d.text, d.lang)])
        for other in lsh.query(m):
            found.add(frozenset((d.key, other)))
        lsh.insert(d.key, m)
    return time.perf_counter() - wall, time.process_time() - cpu, found


def score(found: set[frozenset[str]], planted: set[frozenset[str]]) -> tuple[float, float]:
    right = len(found & planted)
    return right / max(1, len(found)), right / max(1, len(planted))


def exact_recall(
    found: set[frozenset[str]], planted: set[frozenset[str]], docs: list[Doc], threshold: float
) -> tuple[float, int]:
    """Recall over the planted pairs whose exact shingle Jaccard reaches the threshold."""
    by_key = {d.key: d for d in docs}
    reachable = set()
    for pair in planted:
        a, b = (by_key[k] for k in pair)
        sa, sb = shingle_strings(a.text, a.lang), shingle_strings(b.text, b.lang)
        if len(sa & sb) / len(sa | sb) >= threshold:
            reachable.add(pair)
    return len(found & reachable) / max(1, len(reachable)), len(reachable)


def per_kind(
    found: set[frozenset[str]], planted: set[frozenset[str]], kinds: dict[str, str]
) -> Iterator[str]:
    for kind in ("edit", "reorder", "truncate", "edit+truncate"):
        pairs = {p for p in planted if any(kinds.get(k) == kind for k in p)}
        if pairs:
            yield f"{kind}={len(found & pairs) / len(pairs):.3f}"


def measure(
    name: str,
    run: Callable[[list[Doc], float], Timed],
    sizes: tuple[int, int],
    corpora: dict[int, tuple[list[Doc], set[frozenset[str]], dict[str, str]]],
    threshold: float,
) -> tuple[float, float, float, float]:
    """CPU seconds at both sizes, then precision and recall at the larger one."""
    times = []
    for n in sizes:
        docs, planted, kinds = corpora[n]
        wall, seconds, found = run(docs, threshold)
        precision, recall = score(found, planted)
        reachable_recall, reachable = exact_recall(found, planted, docs, threshold)
        times.append(seconds)
        print(
            f"{name:12} n={n:<7} cpu_s={seconds:.2f} wall_s={wall:.2f} docs_per_cpu_s={n / seconds:.0f} "
            f"planted={len(planted)} found={len(found)} precision={precision:.4f} recall={recall:.4f} "
            f"recall_reachable={reachable_recall:.4f} "
            f"(of {reachable} planted pairs with exact J>={threshold})",
            flush=True,
        )
        print(f"{'':12} recall by mutation: {' '.join(per_kind(found, planted, kinds))}", flush=True)
    return times[0], times[1], precision, recall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="2,000 vs 20,000 documents")
    ap.add_argument("--small", type=int, default=10_000, help="the smaller size; the larger is 10x")
    ap.add_argument("--threshold", type=float, default=DEFAULT_DEDUPE_THRESHOLD)
    ap.add_argument("--dup-share", type=float, default=0.1, help="share of documents given a duplicate")
    ap.add_argument("--no-baseline", action="store_true", help="skip datasketch")
    args = ap.parse_args()
    small = 2000 if args.quick else args.small
    sizes = (small, small * 10)
    start = time.perf_counter()
    # One seed: both sizes share the vocabulary and the document length distribution.
    corpora = {n: Corpus(seed=7).documents(n, args.dup_share) for n in sizes}
    print(f"generated {sum(sizes)} documents in {time.perf_counter() - start:.1f}s", flush=True)

    ours = measure("zhimei", run_zhimei, sizes, corpora, args.threshold)
    print(
        f"zhimei_scale_ratio={ours[1] / ours[0]:.2f}x for 10x documents (target <= 12x) "
        f"zhimei_precision={ours[2]:.4f} zhimei_recall={ours[3]:.4f}"
    )
    try:
        import datasketch  # noqa: F401
    except ImportError:
        print("datasketch not installed: no baseline")
        return 0
    if args.no_baseline:
        return 0
    base = measure("datasketch", run_datasketch, sizes, corpora, args.threshold)
    print(
        f"datasketch_scale_ratio={base[1] / base[0]:.2f}x "
        f"datasketch_precision={base[2]:.4f} datasketch_recall={base[3]:.4f} "
        "(datasketch returns LSH candidates unverified)"
    )
    print(f"speedup_vs_datasketch={base[1] / ours[1]:.2f}x (at n={sizes[1]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
