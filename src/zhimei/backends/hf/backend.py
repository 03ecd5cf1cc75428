"""TransformersBackend: a local Hugging Face model (folder or GGUF) run in-process by transformers.

Generation runs ``model.generate`` in a thread that streams through a TextIteratorStreamer; the
reader applies stop sequences and, when it stops early or is closed, sets a flag that a stopping
criterion checks after every token, so the thread ends at once. Only the request's options steer
generation: a checkpoint's own sampling defaults (generation_config.json) are not applied.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

from zhimei.backends.base import check_budget
from zhimei.backends.hf.source import ModelSource, locate_source
from zhimei.backends.hf.stream import StopScanner, cancel_criteria, token_streamer
from zhimei.errors import BackendError, ExtraMissingError
from zhimei.records import Chunk, GenerationOptions, GenerationRequest, Timings, Usage

if TYPE_CHECKING:
    from zhimei.config import Settings

__all__ = ["TransformersBackend"]

_EXTRA = "transformers"


def _require(*modules: str) -> None:
    """Import ``modules`` or raise ExtraMissingError naming the first missing one."""
    import importlib

    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ExtraMissingError(module, _EXTRA) from exc


def _said(exc: BaseException) -> str:
    """An exception's message on one line, at most ~300 characters (transformers' run to pages)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"


def _token_ids(value: Any) -> set[int]:
    if value is None:
        return set()
    return {int(v) for v in value} if isinstance(value, list | tuple) else {int(value)}


class TransformersBackend:
    """A Hugging Face causal language model on the CPU, loaded on first use."""

    name = "transformers"

    def __init__(self, source: ModelSource, *, n_ctx: int = 4096, n_threads: int | None = None) -> None:
        self.source = source
        self._n_ctx = n_ctx
        self._n_threads = n_threads
        self._model: Any = None
        self._tokenizer: Any = None
        self._end_ids: set[int] = set()
        self._load_lock = threading.Lock()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> TransformersBackend:
        return cls(
            locate_source(settings.model, settings.models_dir),
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
        )

    @property
    def model_id(self) -> str:
        return f"sha256:{self.source.sha256}"

    @property
    def location(self) -> str:
        return self.source.location

    @property
    def context_size(self) -> int:
        """``n_ctx``, or less if the model was trained for fewer positions."""
        trained = getattr(self.model.config, "max_position_embeddings", None)
        return min(self._n_ctx, trained) if isinstance(trained, int) and trained > 0 else self._n_ctx

    @property
    def model(self) -> Any:
        """The loaded ``PreTrainedModel`` (loaded on first use)."""
        self._ensure_loaded()
        return self._model

    @property
    def tokenizer(self) -> Any:
        """The model's tokenizer (loaded on first use)."""
        self._ensure_loaded()
        return self._tokenizer

    def _ensure_loaded(self) -> None:
        with self._load_lock:
            if self._model is None:
                self._load()

    def _load(self) -> None:
        _require("torch", "transformers", *(("gguf", "accelerate") if self.source.gguf_file else ()))
        import torch
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        if self._n_threads:
            torch.set_num_threads(self._n_threads)
        # Never reach for a hub: the folder is all there is, and no code from it is run.
        kwargs: dict[str, Any] = {"local_files_only": True, "trust_remote_code": False}
        if self.source.gguf_file:
            kwargs["gguf_file"] = self.source.gguf_file
        folder = self.source.folder
        try:
            # The config is read once and handed on: each read of a GGUF parses its whole vocabulary.
            config = transformers.AutoConfig.from_pretrained(folder, **kwargs)
            tokenizer = transformers.AutoTokenizer.from_pretrained(folder, config=config, **kwargs)
            model = transformers.AutoModelForCausalLM.from_pretrained(folder, config=config, **kwargs)
        except Exception as exc:  # transformers, safetensors and gguf each raise their own kinds
            raise BackendError(
                f"transformers could not load {self.location}: {_said(exc)}",
                "check that it is a complete causal language model that transformers supports",
            ) from exc
        if not getattr(tokenizer, "chat_template", None):
            raise BackendError(
                f"{self.location} has no chat template",
                "use an instruction-tuned model, or add chat_template.jinja to the folder",
            )
        model = model.float().eval()  # float32: what CPUs compute fast and exactly
        shipped = model.generation_config
        self._end_ids = _token_ids(shipped.eos_token_id) | _token_ids(tokenizer.eos_token_id)
        pad = shipped.pad_token_id if shipped.pad_token_id is not None else tokenizer.pad_token_id
        # A fresh generation config: only the request decides sampling (no checkpoint defaults).
        model.generation_config = transformers.GenerationConfig(
            eos_token_id=sorted(self._end_ids) or None,
            pad_token_id=pad if pad is not None else min(self._end_ids, default=None),
            bos_token_id=shipped.bos_token_id,
        )
        self._tokenizer, self._model = tokenizer, model

    # ------------------------------------------------------------------ prompts

    def prompt_tokens(self, request: GenerationRequest) -> list[int]:
        """The request rendered with the model's own chat template, as tokens."""
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        tokenizer = self.tokenizer
        try:
            ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        except Exception as exc:  # jinja2 errors from the model's own template, whatever their type
            raise BackendError(
                f"the chat template of {self.location} failed: {_said(exc)}",
                "fix the model's chat template (chat_template.jinja or tokenizer_config.json)",
            ) from exc
        return [int(i) for i in ids]

    def count_tokens(self, request: GenerationRequest) -> int:
        return len(self.prompt_tokens(request))

    # ------------------------------------------------------------------ generation

    def generate(self, request: GenerationRequest) -> Generator[Chunk, None, None]:
        """Stream the reply; closing the generator stops the generation thread at the next token."""
        with self._lock:
            yield from self._generate(request)

    def _generate(self, request: GenerationRequest) -> Iterator[Chunk]:
        opts = request.options
        ids = self.prompt_tokens(request)
        check_budget(len(ids), opts.max_tokens, self.context_size)
        streamer = token_streamer(self.tokenizer)
        cancel = threading.Event()
        failures: list[BaseException] = []
        thread = threading.Thread(
            target=self._run,
            args=(ids, opts, streamer, cancel, failures),
            name="zhimei-transformers-generate",
            daemon=True,
        )
        start = time.perf_counter()
        first = 0.0
        scanner = StopScanner(opts.stop)
        thread.start()
        try:
            for piece in streamer:
                if piece and not first:
                    first = time.perf_counter() - start
                if text := scanner.push(piece):
                    yield Chunk(text=text)
                if scanner.stopped:
                    break
            if text := scanner.flush():
                yield Chunk(text=text)
        finally:
            # Also runs when the reader closes the generator: the thread stops at its next token.
            cancel.set()
            thread.join()
        if failures:
            raise BackendError(
                f"transformers failed while generating: {type(failures[0]).__name__}: {_said(failures[0])}",
                "check memory and the model files; a smaller model or max_tokens may help",
            ) from failures[0]
        ended = streamer.last_token in self._end_ids
        # The end-of-turn token is not part of the reply, nor counted in it (as llama.cpp counts).
        completion = streamer.generated - 1 if ended else streamer.generated
        cut_off = streamer.generated >= opts.max_tokens and not (ended or scanner.stopped)
        yield Chunk(
            done=True,
            usage=Usage(prompt_tokens=len(ids), completion_tokens=completion),
            timings=Timings(first_token_s=first, total_s=time.perf_counter() - start),
            model_id=self.model_id,
            finish_reason="length" if cut_off else "stop",
        )

    def _run(
        self,
        ids: list[int],
        opts: GenerationOptions,
        streamer: Any,
        cancel: threading.Event,
        failures: list[BaseException],
    ) -> None:
        """The generation thread: ``model.generate`` feeding ``streamer`` until done or cancelled."""
        import torch
        import transformers

        sampled = opts.temperature > 0.0
        config = transformers.GenerationConfig(
            max_new_tokens=opts.max_tokens,
            do_sample=sampled,
            # Only temperature and top_p shape sampling, as the request says (no top-k, no penalties).
            **({"temperature": opts.temperature, "top_p": opts.top_p, "top_k": 0} if sampled else {}),
        )
        try:
            # A private copy of the global RNG: the seed makes this reply reproducible and leaves
            # everyone else's random state alone.
            with torch.random.fork_rng(devices=[]):
                if opts.seed is not None:
                    torch.manual_seed(opts.seed)
                self._model.generate(
                    torch.tensor([ids]),
                    attention_mask=torch.ones((1, len(ids)), dtype=torch.long),
                    generation_config=config,
                    streamer=streamer,
                    stopping_criteria=transformers.StoppingCriteriaList([cancel_criteria(cancel)]),
                )
        except BaseException as exc:  # handed to the reader, which raises it as a BackendError
            failures.append(exc)
            streamer.end()  # the reader waits for the end of the stream
