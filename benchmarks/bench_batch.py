"""Batch throughput: N summaries one after another vs several at once.

    python benchmarks/bench_batch.py [--model PATH] [--n 8] [--parallel 2,3,4] [--max-tokens 160] [--quick]
    python benchmarks/bench_batch.py --server http://127.0.0.1:8080/v1 [--parallel 2,4]

Requests are zhimei's own summary prompts (``SummaryTask.build``) for news stories from
benchmarks/data/news_zh.jsonl and news_en.jsonl, greedy, with ``--max-tokens`` as the budget.

(a) embedded (default): ``sequential`` is ``EmbeddedBackend.generate`` one request at a time, as
    ``zhimei generate`` runs (greedy with prompt-lookup drafting), ``plain`` (``--plain``) the same
    without drafting; ``parallel P`` runs every request from P threads inside ``backend.batching(P)``, so
    P sequences share each ``llama_decode``. Prints completion tokens/s and items/s of each,
    ``ratio_pP=`` (parallel over sequential tokens/s), the decode-only rates, and ``identical=k/N``:
    outputs equal to the sequential ones (which are plain greedy decoding's, token for token).
(b) ``--server URL``: the same requests through ``OpenAIBackend`` to an OpenAI-compatible server,
    1 at a time vs P at once (the server's continuous batching needs parallel slots, e.g.
    ``llama-server -np 4``; llama-cpp-python's ``llama_cpp.server`` serves one request at a time).

Methods are interleaved within each repetition, and each figure is the best repetition: load
from other processes only slows runs down. Every pass starts from an empty KV cache. Wall-clock
ratios on a busy machine mislead: llama.cpp's threads meet at a barrier per graph node, and when
other processes hold the cores every barrier waits for a time slice, so one-token decoding (one
graph per token) suffers far more than batched decoding (one graph per P tokens). The tokens per
CPU second of this process (``cpu_ratio``) measure the work itself; with ``--threads 1`` there is
no barrier and it is the figure that carries over to an idle machine. ``--quick`` (4 requests,
32 tokens) finishes in about a minute on 2 idle cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhimei.backends.base import Completion, collect
from zhimei.records import ArticleInput, GenerationOptions, GenerationRequest, TaskParams
from zhimei.tasks import get_task

HERE = Path(__file__).resolve().parent


def requests(n: int, max_tokens: int) -> list[GenerationRequest]:
    """Summary requests for n stories: the first half zh, then en (a batch is usually one language,
    and one-at-a-time generation reuses the cached instructions of the request before)."""
    stories: dict[str, list[str]] = {}
    for lang in ("zh", "en"):
        lines = (HERE / "data" / f"news_{lang}.jsonl").read_text(encoding="utf-8").splitlines()
        stories[lang] = [json.loads(line)["text"] for line in lines if line.strip()]
    task = get_task("summary")
    options = GenerationOptions(max_tokens=max_tokens, temperature=0.0, seed=0)
    out = []
    for i in range(n):
        lang = "zh" if i < (n + 1) // 2 else "en"
        inp = ArticleInput(text=stories[lang][i if lang == "zh" else i - (n + 1) // 2], lang=lang)
        out.append(task.build(inp, TaskParams(), options))  # type: ignore[arg-type]
    return out


@dataclass
class Run:
    """One pass over all requests."""

    name: str
    completions: list[Completion]
    seconds: float
    cpu_seconds: float  # of this process, all threads: what the work cost, however busy the machine
    decode_tps: float = 0.0

    @property
    def tokens(self) -> int:
        return sum(c.usage.completion_tokens for c in self.completions)

    @property
    def tps(self) -> float:
        return self.tokens / self.seconds

    @property
    def items_per_s(self) -> float:
        return len(self.completions) / self.seconds

    @property
    def tokens_per_cpu_s(self) -> float:
        return self.tokens / self.cpu_seconds


def one_at_a_time(name: str, backend: Any, reqs: Sequence[GenerationRequest]) -> Run:
    reset = getattr(getattr(backend, "llm", None), "reset", None)
    if reset is not None:
        reset()  # every pass starts from an empty cache, as a batching session does
    start, cpu = time.perf_counter(), time.process_time()
    done = [collect(backend.generate(r)) for r in reqs]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    decode_s = sum(c.timings.total_s - c.timings.first_token_s for c in done)
    decoded = sum(max(c.usage.completion_tokens - 1, 0) for c in done)
    return Run(name, done, seconds, cpu, decoded / decode_s if decode_s > 0 else 0.0)


def at_once(name: str, backend: Any, reqs: Sequence[GenerationRequest], parallel: int) -> Run:
    """``reqs`` from ``parallel`` threads; inside a batching session when the backend has one."""
    from contextlib import nullcontext

    session = backend.batching(parallel) if hasattr(backend, "batching") else nullcontext()
    start, cpu = time.perf_counter(), time.process_time()
    with session, ThreadPoolExecutor(parallel) as pool:
        decoder = getattr(backend, "_batched", None)
        done = list(pool.map(lambda r: collect(backend.generate(r)), reqs))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    decode_tps = decoder.stats.rows / decoder.stats.decode_s if decoder and decoder.stats.decode_s else 0.0
    return Run(name, done, seconds, cpu, decode_tps)


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.seconds)


def first_diff(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def report(runs: dict[str, list[Run]], baseline: str, reference: str | None) -> None:
    base = best(runs[baseline])
    ref = best(runs[reference]) if reference else None
    for name, reps in runs.items():
        run = best(reps)
        line = (
            f"  {name:14} {run.tokens:5d} tokens {run.seconds:7.1f}s  {run.tps:6.1f} tok/s  "
            f"{run.items_per_s:5.3f} items/s  decode {run.decode_tps:5.1f} tok/s  "
            f"{run.tokens_per_cpu_s:5.1f} tok/cpu-s"
        )
        if ref is not None and name != reference:
            same = [a.text == b.text for a, b in zip(run.completions, ref.completions, strict=True)]
            diffs = [
                first_diff(a.text, b.text)
                for a, b, s in zip(run.completions, ref.completions, same, strict=True)
                if not s
            ]
            line += f"  identical={sum(same)}/{len(same)}" + (
                f" (first differing char {diffs})" if diffs else ""
            )
        print(line)
    for name, reps in runs.items():
        if name.startswith("parallel"):
            p = name.split()[-1]
            ratio = best(reps).tps / base.tps
            items = best(reps).items_per_s / base.items_per_s
            cpu = best(reps).tokens_per_cpu_s / base.tokens_per_cpu_s
            print(
                f"  ratio_p{p}={ratio:.2f} (tokens/s vs {baseline}), items_ratio_p{p}={items:.2f}, "
                f"cpu_ratio_p{p}={cpu:.2f} (tokens per CPU second)"
            )


def bench(
    backend: Any,
    reqs: Sequence[GenerationRequest],
    parallel: Sequence[int],
    reps: int,
    sequential: dict[str, Callable[[], Run]],
) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {}
    for _ in range(reps):
        for name, go in sequential.items():
            runs.setdefault(name, []).append(go())
        for p in parallel:
            runs.setdefault(f"parallel {p}", []).append(at_once(f"parallel {p}", backend, reqs, p))
    return runs


def embedded(args: argparse.Namespace, reqs: Sequence[GenerationRequest]) -> None:
    from zhimei.backends.embedded import EmbeddedBackend

    backend = EmbeddedBackend(Path(args.model), "bench", n_ctx=args.n_ctx, n_threads=args.threads)
    plain = EmbeddedBackend(
        Path(args.model), "bench", n_ctx=args.n_ctx, n_threads=args.threads, speculative=False
    )
    plain._llm, plain._formatter = backend.llm, backend._formatter  # one model in memory
    print(
        f"embedded model={os.path.basename(args.model)} threads={args.threads} n={len(reqs)} "
        f"max_tokens={args.max_tokens} reps={args.reps} load={os.getloadavg()[0]:.1f}"
    )
    collect(backend.generate(reqs[0]))  # warm up
    sequential = {"sequential": lambda: one_at_a_time("sequential", backend, reqs)}
    if args.plain:
        sequential["plain"] = lambda: one_at_a_time("plain", plain, reqs)
    runs = bench(backend, reqs, args.parallel, args.reps, sequential)
    report(runs, "sequential", "plain" if args.plain else "sequential")


def server(args: argparse.Namespace, reqs: Sequence[GenerationRequest]) -> None:
    from zhimei.backends.openai import OpenAIBackend

    with OpenAIBackend(args.server, context_size=args.n_ctx, timeout=600.0) as backend:
        print(f"server={args.server} model={backend.model_id} n={len(reqs)} max_tokens={args.max_tokens}")
        runs = bench(
            backend,
            reqs,
            args.parallel,
            args.reps,
            {"sequential": lambda: one_at_a_time("sequential", backend, reqs)},
        )
        report(runs, "sequential", "sequential")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=os.environ.get("ZHIMEI_BENCH_MODEL"), help="GGUF file")
    parser.add_argument("--server", help="OpenAI-compatible server URL instead of the embedded model")
    parser.add_argument("--n", type=int, default=8, help="requests")
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--parallel", default="2,3,4", help="comma-separated numbers of sequences at once")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--plain", action="store_true", help="also time greedy decoding without drafting")
    parser.add_argument("--quick", action="store_true", help="4 requests, 32 tokens, P=4 (about a minute)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.max_tokens, args.parallel = 4, 32, "4"
    args.parallel = [int(p) for p in str(args.parallel).split(",")]
    reqs = requests(args.n, args.max_tokens)
    started = time.perf_counter()
    if args.server:
        server(args, reqs)
    else:
        if not args.model:
            sys.path.insert(0, str(HERE))
            from _common import model_path

            args.model = str(model_path("qwen2.5-1.5b"))
        embedded(args, reqs)
    print(f"wall time {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
