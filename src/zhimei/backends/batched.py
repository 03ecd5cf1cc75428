"""Continuous batching for the embedded model: several sequences decoded in one ``llama_decode``.

``BatchedDecoder`` owns a second llama.cpp context on the already loaded model (weights shared,
its own KV cache) with ``n_seq_max = slots`` and a separate KV stream per sequence
(``kv_unified = False``), so each sequence keeps the backend's full context and attends only to its
own cells. One engine thread admits waiting requests into free slots, then decodes one token of
every active sequence per ``llama_decode`` call. A prompt is evaluated alone, in ``n_batch``
chunks as the one-sequence path does, after the longest prefix already cached: a slot keeps its
last sequence's cache, and another slot's KV stream is copied over when it shares more (the same
instructions). Callers in any number of threads submit a prompt and iterate its tokens; a
sequence leaves its slot on an end-of-generation token, at ``max_tokens``, or when its consumer
stops reading (a stop string), and the next waiting request takes the slot.

Greedy rows take the argmax of their logits (lowest id on ties, as ``speculative.greedy_decode``);
sampled rows use the chain llama-cpp-python builds for ``create_completion`` (top-k 40, typical 1,
top-p, min-p 0.05, temperature, seeded dist), one chain per sequence.

Exactness is a property of llama.cpp's CPU kernels (0.3.36; see ``speculative``'s module doc).
Greedy output equals one-at-a-time output (given the same cached prefix: where prompt evaluation
starts moves logits too) only while both hold:
- at most 3 sequences decode together: up to 3 rows the weights go through the same gemv as
  one token; from 4 rows a tiled gemm moves logits by up to ~0.5;
- each sequence stays within 256 KV cells (prompt + reply) for an f16/f32 cache: from a 512-cell
  attention window, one-token decoding takes flash attention's split-KV path, which ggml uses
  only for a single query in a single KV stream (``neq1 == 1 && neq3 == 1`` in ops.cpp), so a
  batch with several streams sums in another order (logits moved by up to ~0.45 measured).
Otherwise rounding differs and a near-tie can flip: measured on 3 summary prompts of the 0.5B
pack, 71 greedy steps each, 1 of 213 steps chose another token; with the 1.5B pack 2/5/6/7 of
16 summaries of 128 tokens differed somewhere with 2/4/8/16 slots (bench_batch.py). As which
sequences share a step depends on timing, such output is not reproducible from run to run either.

Throughput (1.5B Q4_K_M, 2 cores): a step of N rows costs 1.72/2.22/2.82/4.89/5.94 one-row steps
for N = 2/3/4/8/16; up to 3 rows the gemv costs nearly as much per row as one token, the tiled
gemm pays off from about 8.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zhimei.errors import BackendError
from zhimei.records import GenerationOptions

if TYPE_CHECKING:
    import llama_cpp

__all__ = ["MAX_SLOTS", "BatchedDecoder", "DecoderStats"]

# More sequences than this gain nothing on CPU and cost KV memory (n_ctx cells each).
MAX_SLOTS = 16
# A shared prefix must be this much longer to be worth copying another slot's whole KV stream.
_MIN_COPY = 32
# llama-cpp-python's create_completion defaults, mirrored so sampled rows use the same chain.
_TOP_K = 40
_MIN_P = 0.05
_TYPICAL_P = 1.0


@dataclass
class DecoderStats:
    """Counters of one decoder, for benchmarks: decode steps, rows decoded, time in llama_decode."""

    steps: int = 0
    rows: int = 0
    prefill_tokens: int = 0
    reused_tokens: int = 0  # prompt tokens found in a slot's cache instead of evaluated
    copied_prefixes: int = 0
    prefill_s: float = 0.0
    decode_s: float = 0.0
    by_rows: dict[int, int] = field(default_factory=dict)  # rows per step -> steps


_DONE = object()


class _Sequence:
    """One request: its prompt, options and the queue its consumer reads tokens from."""

    def __init__(self, tokens: Sequence[int], options: GenerationOptions) -> None:
        self.tokens = list(tokens)
        self.options = options
        self.out: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.cancelled = False
        self.slot = -1
        self.pos = 0
        self.produced = 0
        self.pending = -1  # sampled, handed out, not yet decoded
        self.sampler: Any = None


class BatchedDecoder:
    """Decodes the sequences submitted from any thread together, ``slots`` at a time (module doc)."""

    def __init__(
        self,
        llm: llama_cpp.Llama,
        slots: int,
        n_ctx_seq: int,
        stop_token_ids: set[int],
        *,
        launch: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        """``launch(loop)`` runs the engine loop on a thread of the caller's (``LlamaThread.submit``:
        the model's compute thread); by default the decoder starts a thread of its own."""
        from llama_cpp import llama_cpp as C

        if not 1 <= slots <= MAX_SLOTS:
            raise ValueError(f"slots must be 1..{MAX_SLOTS}, not {slots}")
        self.C = C
        self.llm = llm
        self.slots = slots
        self.stop_token_ids = stop_token_ids
        self.stats = DecoderStats()
        self.n_vocab = llm.n_vocab()
        self.n_batch = llm.n_batch
        params = C.llama_context_default_params()
        for (
            name,
            *_,
        ) in (
            C.llama_context_params._fields_
        ):  # the loaded context's settings (threads, flash attention, KV type)
            setattr(params, name, getattr(llm.context_params, name))
        params.n_seq_max = slots
        params.kv_unified = False
        params.n_ctx = n_ctx_seq * slots
        self.ctx = C.llama_init_from_model(llm.model, params)
        if not self.ctx:
            raise BackendError(
                f"llama.cpp could not create a context for {slots} parallel sequences of {n_ctx_seq} tokens",
                "lower --concurrency or ZHIMEI_N_CTX (each sequence needs its own KV cache)",
            )
        self.n_ctx_seq = int(C.llama_n_ctx_seq(self.ctx))
        self.memory = C.llama_get_memory(self.ctx)
        self.batch: Any = C.llama_batch_init(max(self.n_batch, slots), 0, 1)
        self._waiting: queue.SimpleQueue[_Sequence | None] = queue.SimpleQueue()
        self._active: dict[int, _Sequence] = {}
        self._kv: list[list[int]] = [[] for _ in range(slots)]  # the tokens each slot's KV stream holds
        self._closed = False
        self._stopped = threading.Event()
        if launch is None:
            threading.Thread(target=self._run, name="zhimei-batched-decoder", daemon=True).start()
        else:
            launch(self._run)

    # -- the consumer side -------------------------------------------------------------------
    def tokens(self, prompt: Sequence[int], options: GenerationOptions) -> Iterator[int]:
        """The reply's token ids as they are decoded; stop reading to cancel.

        The last id is the end-of-generation token if the model produced one before ``max_tokens``.

        Raises BackendError if llama.cpp fails, ValueError if the prompt cannot fit a slot.
        """
        if self._closed:
            raise BackendError("the batched decoder is closed", "open a new batching session")
        if not prompt or len(prompt) + options.max_tokens > self.n_ctx_seq:
            raise ValueError(
                f"{len(prompt)} prompt tokens + {options.max_tokens} do not fit a slot of {self.n_ctx_seq}"
            )
        seq = _Sequence(prompt, options)
        self._waiting.put(seq)
        try:
            while True:
                item = seq.out.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            seq.cancelled = True  # the engine frees the slot at its next step

    def close(self) -> None:
        """Stop the engine (sequences still running end with an error) and free the context."""
        if self._closed:
            return
        self._closed = True
        self._waiting.put(None)
        self._stopped.wait()
        self.C.llama_batch_free(self.batch)
        self.C.llama_free(self.ctx)

    # -- the engine thread -------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # a bug: fail whoever waits rather than hang them
            self._fail_all(BackendError(f"the batched decoder failed: {type(exc).__name__}: {exc}"))
        finally:
            self._stopped.set()

    def _loop(self) -> None:
        stopping = False
        while True:
            # Block only when nothing is decoding; otherwise admit whoever is already waiting.
            while not stopping and len(self._active) < self.slots:
                try:
                    seq = self._waiting.get(block=not self._active)
                except queue.Empty:
                    break
                if seq is None:
                    stopping = True
                    break
                self._admit(seq)
            if stopping:
                self._fail_all(BackendError("the batched decoder was closed while generating"))
                return
            if self._active:
                self._step()

    def _place(self, prompt: Sequence[int]) -> tuple[int, int]:
        """A free slot for ``prompt``, holding as long a prefix of it as any slot has; and that length.

        A free slot keeps the cache of its last sequence; when another slot's cache shares a longer
        prefix (the same instructions), its KV stream is copied over. At least the last prompt
        token is decoded again, for fresh logits.
        """
        C = self.C
        free = [s for s in range(self.slots) if s not in self._active]
        slot = max(free, key=lambda s: _shared(self._kv[s], prompt))
        source = max(range(self.slots), key=lambda s: _shared(self._kv[s], prompt))
        if _shared(self._kv[source], prompt) >= _shared(self._kv[slot], prompt) + _MIN_COPY:
            C.llama_memory_seq_cp(self.memory, source, slot, -1, -1)  # whole stream, done at the next decode
            self._kv[slot] = list(self._kv[source])
            self.stats.copied_prefixes += 1
        keep = min(_shared(self._kv[slot], prompt), len(prompt) - 1)
        self._truncate(slot, keep)
        return slot, keep

    def _truncate(self, slot: int, keep: int) -> None:
        if not self.C.llama_memory_seq_rm(self.memory, slot, keep, -1):
            self.C.llama_memory_seq_rm(self.memory, slot, -1, -1)
            keep = 0
        del self._kv[slot][keep:]

    def _admit(self, seq: _Sequence) -> None:
        if seq.cancelled:
            return
        t0 = time.perf_counter()
        seq.slot, keep = self._place(seq.tokens)
        seq.sampler = self._sampler(seq.options)
        try:
            for start in range(keep, len(seq.tokens), self.n_batch):
                chunk = seq.tokens[start : start + self.n_batch]
                last = start + len(chunk) == len(seq.tokens)
                self._decode(
                    [(tok, start + i, seq.slot, last and i == len(chunk) - 1) for i, tok in enumerate(chunk)]
                )
        except BackendError as exc:
            self._finish(seq, exc)
            return
        self.stats.prefill_tokens += len(seq.tokens) - keep
        self.stats.reused_tokens += keep
        self.stats.prefill_s += time.perf_counter() - t0
        seq.pos = len(seq.tokens)
        self._active[seq.slot] = seq
        self._emit(seq, self._choose(seq, len(chunk) - 1))

    def _step(self) -> None:
        rows = [seq for seq in self._active.values() if seq.pending >= 0]
        if not rows:
            return
        t0 = time.perf_counter()
        try:
            self._decode([(seq.pending, seq.pos, seq.slot, True) for seq in rows])
        except BackendError as exc:
            self._fail_all(exc)
            return
        spent = time.perf_counter() - t0
        stats = self.stats
        stats.steps += 1
        stats.rows += len(rows)
        stats.decode_s += spent
        stats.by_rows[len(rows)] = stats.by_rows.get(len(rows), 0) + 1
        for i, seq in enumerate(rows):
            seq.pos += 1
            self._emit(seq, self._choose(seq, i))

    def _emit(self, seq: _Sequence, token: int) -> None:
        """Hand ``token`` to the consumer, or end the sequence on a stop token, the budget or a cancel."""
        if seq.cancelled:
            self._finish(seq, None)
            return
        if token in self.stop_token_ids:
            seq.out.put(token)
            self._finish(seq, None)
            return
        seq.out.put(token)
        seq.produced += 1
        if seq.produced >= seq.options.max_tokens:
            self._finish(seq, None)
            return
        seq.pending = token

    def _finish(self, seq: _Sequence, error: BaseException | None) -> None:
        # The slot keeps its cache: the next prompt may start the same way.
        self._active.pop(seq.slot, None)
        if seq.sampler is not None:
            self.C.llama_sampler_free(seq.sampler)
            seq.sampler = None
        seq.pending = -1
        seq.out.put(error if error is not None else _DONE)

    def _fail_all(self, error: BaseException) -> None:
        for seq in list(self._active.values()):
            self._finish(seq, error)
        while True:
            try:
                waiting = self._waiting.get_nowait()
            except queue.Empty:
                return
            if waiting is not None:
                self._finish(waiting, error)

    def _decode(self, rows: Sequence[tuple[int, int, int, bool]]) -> None:
        """One ``llama_decode`` of (token, position, sequence, wants logits) rows."""
        b = self.batch
        b.n_tokens = len(rows)
        for i, (tok, pos, seq_id, want) in enumerate(rows):
            b.token[i] = tok
            b.pos[i] = pos
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = seq_id
            b.logits[i] = want
        rc = self.C.llama_decode(self.ctx, b)
        if rc != 0:
            for _, pos, seq_id, _ in rows:  # a failed batch may leave part of itself in the cache
                self._truncate(seq_id, min(pos, len(self._kv[seq_id])))
            raise BackendError(f"llama.cpp failed while decoding a batch (llama_decode returned {rc})")
        for tok, _, seq_id, _ in rows:
            self._kv[seq_id].append(tok)

    def _choose(self, seq: _Sequence, row: int) -> int:
        if seq.sampler is None:
            import numpy as np

            logits = np.ctypeslib.as_array(self.C.llama_get_logits_ith(self.ctx, row), shape=(self.n_vocab,))
            return int(logits.argmax())
        return int(self.C.llama_sampler_sample(seq.sampler, self.ctx, row))

    def _sampler(self, options: GenerationOptions) -> Any:
        """None for greedy; else llama-cpp-python's create_completion chain, seeded."""
        if options.temperature == 0.0:
            return None
        C = self.C
        chain = C.llama_sampler_chain_init(C.llama_sampler_chain_default_params())
        for sampler in (
            C.llama_sampler_init_top_k(_TOP_K),
            C.llama_sampler_init_typical(_TYPICAL_P, 1),
            C.llama_sampler_init_top_p(options.top_p, 1),
            C.llama_sampler_init_min_p(_MIN_P, 1),
            C.llama_sampler_init_temp(options.temperature),
            C.llama_sampler_init_dist(C.LLAMA_DEFAULT_SEED if options.seed is None else options.seed % 2**32),
        ):
            C.llama_sampler_chain_add(chain, sampler)
        return chain


def _shared(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the common prefix of two token sequences."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
