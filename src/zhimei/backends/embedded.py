"""llama.cpp over an embedded GGUF pack (llama-cpp-python, imported lazily).

Greedy requests (temperature 0) go through prompt-lookup drafting when ``speculative`` is on:
the output is token-for-token what plain greedy decoding gives, only faster on tasks that copy
from their input. Sampled requests use llama.cpp's own sampler.

Inside ``with backend.batching(slots):`` concurrent ``generate`` calls (from several threads) are
decoded together by a ``batched.BatchedDecoder`` instead of one after another. All llama.cpp
compute runs on one ``llama_thread.LlamaThread``, whichever threads call (see there why).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zhimei.backends.base import Completion, check_budget, collect
from zhimei.backends.llama_thread import LlamaThread
from zhimei.errors import BackendError, ExtraMissingError
from zhimei.records import Chunk, GenerationOptions, GenerationRequest, Timings, Usage

if TYPE_CHECKING:
    from zhimei.backends.batched import BatchedDecoder
    from zhimei.config import Settings

__all__ = ["EmbeddedBackend", "Utf8Stream"]


class Utf8Stream:
    """Turns token bytes into text, holding back an incomplete UTF-8 sequence until it completes."""

    def __init__(self) -> None:
        self._pending = b""

    def push(self, data: bytes) -> str:
        data = self._pending + data
        # Find the longest prefix that decodes; at most 3 trailing bytes can be an unfinished char.
        for cut in range(len(data), max(len(data) - 4, -1), -1):
            try:
                text = data[:cut].decode("utf-8")
            except UnicodeDecodeError:
                continue
            self._pending = data[cut:]
            return text
        self._pending = b""
        return data.decode("utf-8", errors="replace")

    def flush(self) -> str:
        rest, self._pending = self._pending, b""
        return rest.decode("utf-8", errors="replace")


class EmbeddedBackend:
    """A local GGUF model run in-process by llama.cpp."""

    name = "embedded"

    def __init__(
        self,
        model_path: Path,
        model_sha256: str,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        flash_attn: bool = True,
        speculative: bool = True,
    ) -> None:
        self.model_path = Path(model_path)
        self._sha256 = model_sha256
        self._n_ctx = n_ctx
        self._n_threads = n_threads
        self._flash_attn = flash_attn
        self.speculative = speculative
        self._llm: Any = None
        self._formatter: Any = None
        self._eos_text = ""
        self._eog: set[int] | None = None
        self._lock = threading.Lock()
        self._batched: BatchedDecoder | None = None
        self._compute = LlamaThread()

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedBackend:
        from zhimei.models import locate_gguf

        path, sha = locate_gguf(settings.model, settings.models_dir)
        return cls(
            path,
            sha,
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            flash_attn=settings.flash_attn,
            speculative=settings.speculative,
        )

    @property
    def model_id(self) -> str:
        return f"sha256:{self._sha256}"

    @property
    def context_size(self) -> int:
        return self._n_ctx

    @property
    def location(self) -> str:
        return str(self.model_path)

    @property
    def llm(self) -> Any:
        """The loaded ``llama_cpp.Llama`` (loaded on first use)."""
        if self._llm is None:
            self._compute.call(self._load)
        return self._llm

    def _load(self) -> None:
        if self._llm is not None:  # loaded by a caller in another thread meanwhile
            return
        try:
            import llama_cpp
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as exc:
            raise ExtraMissingError("llama_cpp", "llm") from exc
        import os

        threads = self._n_threads or os.cpu_count() or 1
        try:
            llm = llama_cpp.Llama(
                str(self.model_path),
                n_ctx=self._n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                flash_attn=self._flash_attn,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise BackendError(f"llama.cpp could not load {self.model_path}: {exc}") from exc
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise BackendError(f"{self.model_path} has no chat template in its metadata")
        model = llm._model
        eos, bos = llm.token_eos(), llm.token_bos()
        self._eos_text = model.token_get_text(eos) if eos != -1 else ""
        bos_text = model.token_get_text(bos) if bos != -1 else ""
        self._formatter = Jinja2ChatFormatter(template=template, eos_token=self._eos_text, bos_token=bos_text)
        self._llm = llm

    def prompt_tokens(self, request: GenerationRequest) -> list[int]:
        """The request rendered with the model's own chat template, as tokens."""
        llm = self.llm
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        prompt = self._formatter(messages=messages).prompt
        tokens: list[int] = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        return tokens

    def count_tokens(self, request: GenerationRequest) -> int:
        return len(self.prompt_tokens(request))

    def generate(self, request: GenerationRequest) -> Iterator[Chunk]:
        decoder = self._batched
        if decoder is not None:  # the decoder's loop runs on the compute thread
            yield from self._generate(request, decoder)
            return
        with self._lock:
            yield from self._compute.stream(lambda: self._generate(request, None))

    @contextmanager
    def batching(self, slots: int) -> Iterator[None]:
        """While open, ``generate`` calls from up to ``slots`` threads are decoded together.

        Each slot costs a KV cache of ``context_size`` cells. Greedy output equals one-at-a-time
        output only for up to 3 slots and sequences within 256 cells; beyond, llama.cpp's batched
        kernels round differently and near-ties can flip (see ``zhimei.backends.batched``).
        ``slots`` is capped at ``batched.MAX_SLOTS``. Sessions do not nest.
        """
        from zhimei.backends import speculative
        from zhimei.backends.batched import MAX_SLOTS, BatchedDecoder

        llm = self.llm
        with self._lock:
            if self._batched is not None:
                raise BackendError("a batching session is already open on this backend")
            if self._eog is None:
                self._eog = speculative.eog_token_ids(llm)
            self._batched = BatchedDecoder(
                llm, min(max(slots, 1), MAX_SLOTS), self._n_ctx, self._eog, launch=self._compute.submit
            )
        try:
            yield
        finally:
            decoder, self._batched = self._batched, None
            if decoder is not None:
                decoder.close()

    def generate_many(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Replies to ``requests`` decoded together (all at once), in the order given."""
        from concurrent.futures import ThreadPoolExecutor

        if not requests:
            return []
        with self.batching(len(requests)), ThreadPoolExecutor(len(requests)) as pool:
            return list(pool.map(lambda r: collect(self.generate(r)), requests))

    def _generate(self, request: GenerationRequest, decoder: BatchedDecoder | None) -> Iterator[Chunk]:
        opts = request.options
        tokens = self.prompt_tokens(request)
        check_budget(len(tokens), opts.max_tokens, self.context_size)
        start = time.perf_counter()
        first = 0.0
        produced = 0
        finish = "length"
        text_so_far = ""
        stops = [s for s in opts.stop if s]
        for piece, n_tokens, done_reason in self._pieces(tokens, request, decoder):
            produced += n_tokens
            if piece and not first:
                first = time.perf_counter() - start
            if done_reason:
                finish = done_reason
            if not piece:
                if done_reason:
                    break
                continue
            candidate = text_so_far + piece
            hit = min((candidate.find(s) for s in stops if s in candidate), default=-1)
            if hit >= 0:
                if hit > len(text_so_far):
                    yield Chunk(text=candidate[len(text_so_far) : hit])
                finish = "stop"
                break
            text_so_far = candidate
            yield Chunk(text=piece)
            if done_reason:
                break
        yield Chunk(
            done=True,
            usage=Usage(prompt_tokens=len(tokens), completion_tokens=produced),
            timings=Timings(first_token_s=first, total_s=time.perf_counter() - start),
            model_id=self.model_id,
            finish_reason=finish,
        )

    def _pieces(
        self, tokens: list[int], request: GenerationRequest, decoder: BatchedDecoder | None
    ) -> Iterator[tuple[str, int, str | None]]:
        """(text, tokens consumed, finish reason or None) as the model produces them."""
        opts = request.options
        llm = self.llm
        if decoder is not None:
            yield from self._batched_pieces(decoder, tokens, opts)
            return
        if opts.temperature == 0.0:
            from zhimei.backends import speculative

            decode = speculative.greedy_lookup_decode if self.speculative else speculative.greedy_decode
            stream = Utf8Stream()
            if self._eog is None:
                # Every end-of-generation token (Qwen has two), as llama.cpp's own sampler stops on.
                self._eog = speculative.eog_token_ids(llm)
            eog = self._eog
            count = 0
            try:
                for token in decode(llm, tokens, max_tokens=opts.max_tokens, stop_token_ids=eog):
                    count += 1
                    if token in eog:
                        yield stream.flush(), 1, "stop"
                        return
                    yield stream.push(llm.detokenize([token])), 1, None
            except RuntimeError as exc:
                raise BackendError(f"llama.cpp failed while decoding: {exc}") from exc
            yield stream.flush(), 0, "length" if count >= opts.max_tokens else "stop"
            return
        try:
            completion = llm.create_completion(
                tokens,
                max_tokens=opts.max_tokens,
                temperature=opts.temperature,
                top_p=opts.top_p,
                seed=opts.seed,
                stream=True,
                stop=[self._eos_text] if self._eos_text else [],
            )
            for part in completion:
                choice = part["choices"][0]
                text = choice["text"]
                n = len(llm.tokenize(text.encode("utf-8"), add_bos=False)) if text else 0
                yield text, n, choice.get("finish_reason")
        except RuntimeError as exc:
            raise BackendError(f"llama.cpp failed while sampling: {exc}") from exc

    def _batched_pieces(
        self, decoder: BatchedDecoder, tokens: list[int], opts: GenerationOptions
    ) -> Iterator[tuple[str, int, str | None]]:
        stream = Utf8Stream()
        count = 0
        try:
            for token in decoder.tokens(tokens, opts):
                if token in decoder.stop_token_ids:  # not counted, as in greedy decoding
                    yield stream.flush(), 0, "stop"
                    return
                count += 1
                yield stream.push(self.llm.detokenize([token])), 1, None
        except ValueError as exc:
            raise BackendError(str(exc)) from exc
        yield stream.flush(), 0, "length" if count >= opts.max_tokens else "stop"
