"""The transformers backend on a tiny randomly initialised Qwen2 built here: the shared contract,
streaming, cancellation, sampling, and every way loading can fail.

Nothing downloads: the tokenizer is a small BPE trained on a few sentences in the test, the model
a two-layer Qwen2 with random weights. Its replies are meaningless but deterministic, and every
token of its vocabulary is whole text, so they are valid text too.
"""

from __future__ import annotations

import json
import string
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
import transformers

from tests.backends.contract import BackendContract, request
from zhimei.backends.base import collect, create_backend, probe
from zhimei.backends.hf import TransformersBackend, locate_source
from zhimei.backends.hf.stream import StopScanner, token_streamer
from zhimei.config import load_settings
from zhimei.errors import BackendError, ContextOverflowError, ExtraMissingError

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
TEXTS = [
    "杭州是浙江省的省会，以西湖闻名。",
    "新闻稿需要准确的数字和日期。",
    "The city council approved the new budget on Monday.",
    "Write a short headline for the story.",
    "用一句话介绍杭州。 Be brief.",
]
SPECIAL = ["<unk>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
POSITIONS = 512
THREAD = "zhimei-transformers-generate"


def _word_tokenizer() -> Any:
    """A sentencepiece-style BPE (spaces as ▁) over printable ASCII and the characters of TEXTS."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first")
    tok.decoder = decoders.Metaspace(prepend_scheme="first")
    alphabet = sorted(set(string.printable.replace(" ", "") + "".join(TEXTS)) - set(" \t\r\x0b\x0c"))
    trainer = trainers.BpeTrainer(
        vocab_size=240, special_tokens=SPECIAL, initial_alphabet=alphabet, show_progress=False
    )
    tok.train_from_iterator(TEXTS, trainer)
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<unk>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        clean_up_tokenization_spaces=False,
        chat_template=CHATML,
    )


def build_tiny_qwen2(folder: Path, *, seed: int = 0) -> Path:
    """Save a random two-layer Qwen2 and its tokenizer to ``folder``, like a fine-tuned checkpoint."""
    tokenizer = _word_tokenizer()
    torch.manual_seed(seed)
    config = transformers.Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=POSITIONS,
        tie_word_embeddings=True,
        initializer_range=1.0,  # large weights, so replies vary with the prompt
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    transformers.Qwen2ForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    # Sampling defaults as real checkpoints ship them; the backend must not let them override a request.
    defaults = {"do_sample": True, "temperature": 0.7, "top_k": 3, "repetition_penalty": 1.5}
    path = folder / "generation_config.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | defaults), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen2(tmp_path_factory.mktemp("tiny-qwen2"))


@pytest.fixture(scope="module")
def shared(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TransformersBackend:
    source = locate_source(str(tiny_dir), tmp_path_factory.mktemp("models"))
    # One thread: a tiny model gains nothing from more, and spinning threads stall on a busy machine.
    return TransformersBackend(source, n_ctx=4096, n_threads=1)


class TestTransformersContract(BackendContract):
    holds_back_stop_prefixes = True

    @pytest.fixture
    def backend(self, shared: TransformersBackend) -> TransformersBackend:
        return shared


def _alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD]


# ---------------------------------------------------------------- generation


def test_greedy_is_argmax_whatever_the_checkpoint_defaults(shared: TransformersBackend) -> None:
    req = request(max_tokens=12)
    ids = shared.prompt_tokens(req)
    expected: list[int] = []
    with torch.no_grad():
        for _ in range(12):
            logits = shared.model(torch.tensor([ids + expected])).logits[0, -1]
            expected.append(int(logits.argmax()))
            if expected[-1] == shared.tokenizer.eos_token_id:
                break
    done = collect(shared.generate(req))
    assert done.text == shared.tokenizer.decode(expected, skip_special_tokens=True)
    ended = expected[-1] == shared.tokenizer.eos_token_id
    assert done.usage.completion_tokens == len(expected) - ended  # the end token is not counted
    assert done.finish_reason == ("stop" if ended else "length")


def test_sampling_follows_the_seed_and_leaves_the_global_rng_alone(shared: TransformersBackend) -> None:
    state = torch.get_rng_state()
    a = collect(shared.generate(request(temperature=1.0, seed=11, max_tokens=16))).text
    b = collect(shared.generate(request(temperature=1.0, seed=11, max_tokens=16))).text
    c = collect(shared.generate(request(temperature=1.0, seed=12, max_tokens=16))).text
    greedy = collect(shared.generate(request(max_tokens=16))).text
    assert a == b and a != c and a != greedy
    assert torch.equal(torch.get_rng_state(), state)


def test_length_and_usage(shared: TransformersBackend) -> None:
    req = request("Write a long story about a city.", max_tokens=3)
    chunks = list(shared.generate(req))
    final = chunks[-1]
    assert final.finish_reason == "length" and final.usage is not None
    assert final.usage.completion_tokens == 3
    assert final.usage.prompt_tokens == shared.count_tokens(req)
    assert final.model_id == shared.model_id and final.model_id.startswith("sha256:")


def test_chunks_stream_token_by_token(shared: TransformersBackend) -> None:
    chunks = [c for c in shared.generate(request(max_tokens=24)) if not c.done]
    assert len(chunks) >= 12  # whole-text tokens: nearly every token is a chunk of its own
    assert all(c.text for c in chunks)


def test_closing_the_stream_stops_the_generation_thread(shared: TransformersBackend) -> None:
    stream = shared.generate(request("Write a long story about a city.", max_tokens=400))
    first = next(stream)
    assert first.text and _alive()
    start = time.perf_counter()
    stream.close()
    assert not _alive(), "the generation thread outlived its reader"
    assert time.perf_counter() - start < 2.0
    # The backend is free again: the next request runs at once.
    assert collect(shared.generate(request(max_tokens=2))).usage.completion_tokens == 2


def test_a_stop_sequence_ends_generation_early(shared: TransformersBackend) -> None:
    full = collect(shared.generate(request(max_tokens=24))).text
    stop = full[6:9]
    done = collect(shared.generate(request(max_tokens=24, stop=(stop,))))
    assert done.text == full[: full.index(stop)] and done.finish_reason == "stop"
    assert done.usage.completion_tokens < 24
    assert not _alive()


@pytest.mark.parametrize(
    ("pieces", "stops", "emitted", "stopped"),
    [
        (["ab", "c", "d"], ("cd",), ["ab", "", ""], True),  # "c" held until "d" shows it is the stop
        (["ab", "c", "e"], ("cd",), ["ab", "", "ce"], False),  # held, then released
        (["新闻", "发布", "会"], ("发布会", "。"), ["新闻", "", ""], True),
        (["x。", "y"], ("发布会", "。"), ["x", ""], True),
        (["abc"], (), ["abc"], False),
    ],
)
def test_stop_scanner(pieces: list[str], stops: tuple[str, ...], emitted: list[str], stopped: bool) -> None:
    scanner = StopScanner(stops)
    out = []
    for piece in pieces:
        out.append(scanner.push(piece))
        if scanner.stopped:
            break
    assert out == emitted[: len(out)] and scanner.stopped is stopped
    rest = scanner.flush()
    assert rest == ("" if stopped else "".join(pieces)[len("".join(out)) :])


def test_failure_in_the_generation_thread_is_a_backend_error(
    shared: TransformersBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("out of memory")

    monkeypatch.setattr(shared.model, "generate", broken)
    with pytest.raises(BackendError) as info:
        collect(shared.generate(request()))
    assert "out of memory" in str(info.value) and not _alive()
    monkeypatch.undo()
    assert collect(shared.generate(request(max_tokens=2))).usage.completion_tokens == 2


def test_context_is_the_smaller_of_n_ctx_and_the_trained_positions(tiny_dir: Path, tmp_path: Path) -> None:
    source = locate_source(str(tiny_dir), tmp_path)
    assert TransformersBackend(source, n_ctx=4096).context_size == POSITIONS
    small = TransformersBackend(source, n_ctx=256)
    assert small.context_size == 256
    with pytest.raises(ContextOverflowError):
        next(small.generate(request("新闻 " * 200, max_tokens=64)))


def test_probe(shared: TransformersBackend, tiny_dir: Path) -> None:
    result = probe(shared)
    assert result.backend == "transformers" and result.location == str(tiny_dir.resolve())
    assert result.model_id == shared.model_id and result.context_size == POSITIONS
    assert result.completion_tokens == 1 and result.prompt_tokens > 0
    assert result.round_trip_s >= result.first_token_s >= 0


def test_registered_and_built_from_settings(tiny_dir: Path, tmp_path: Path) -> None:
    settings = load_settings(
        {"home": tmp_path, "backend": "transformers", "model": str(tiny_dir), "n_ctx": 300}, environ={}
    )
    backend = create_backend(settings)
    assert isinstance(backend, TransformersBackend)
    assert backend.context_size == 300 and backend.location == str(tiny_dir.resolve())


# ---------------------------------------------------------------- streaming text


def _byte_tokenizer() -> Any:
    """A byte-level BPE like Qwen's: a CJK character may be split across tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(TEXTS[2:4], trainer)  # English only: no merges inside CJK characters
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tok, clean_up_tokenization_spaces=False)


def _stream(tokenizer: Any, ids: list[int]) -> list[str]:
    streamer = token_streamer(tokenizer)
    streamer.put(torch.tensor([[1, 2, 3]]))  # the prompt, which is not streamed
    for i in ids:
        streamer.put(torch.tensor([i]))
    streamer.end()
    assert streamer.generated == len(ids)
    return [piece for piece in streamer if piece]  # the end of the stream puts an empty piece


def test_stream_never_splits_a_character() -> None:
    from transformers.models.gpt2.tokenization_gpt2 import bytes_to_unicode

    tokenizer = _byte_tokenizer()
    table = bytes_to_unicode()
    text = "新闻: 杭州 approved 5.3%"
    byte_ids = [tokenizer.convert_tokens_to_ids(table[b]) for b in text.encode("utf-8")]
    pieces = _stream(tokenizer, byte_ids)
    assert "".join(pieces) == text
    assert not any("\ufffd" in p for p in pieces)
    assert "新" in pieces and "闻" in pieces  # each character as soon as its last byte arrives


def test_stream_keeps_the_spaces_of_sentencepiece_tokens() -> None:
    tokenizer = _word_tokenizer()
    text = "The city council approved\nthe new budget"
    ids = tokenizer.encode(text, add_special_tokens=False)
    pieces = _stream(tokenizer, ids)
    assert "".join(pieces) == text and len(pieces) == len(ids)


def test_an_unfinished_character_at_the_end_is_replaced_not_lost() -> None:
    from transformers.models.gpt2.tokenization_gpt2 import bytes_to_unicode

    tokenizer = _byte_tokenizer()
    table = bytes_to_unicode()
    data = "ok 新".encode()[:-1]
    pieces = _stream(tokenizer, [tokenizer.convert_tokens_to_ids(table[b]) for b in data])
    assert "".join(pieces) == "ok \ufffd"


# ---------------------------------------------------------------- loading failures


def test_missing_torch_names_the_extra(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = TransformersBackend(locate_source(str(tiny_dir), tmp_path))
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ExtraMissingError) as info:
        backend.count_tokens(request())
    assert info.value.extra == "transformers" and "zhimei[transformers]" in info.value.hint
    assert "'torch'" in str(info.value)


def test_missing_gguf_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + bytes(64))
    backend = TransformersBackend(locate_source(str(gguf), tmp_path / "models"))
    monkeypatch.setitem(sys.modules, "gguf", None)
    with pytest.raises(ExtraMissingError) as info:
        backend.count_tokens(request())
    assert info.value.extra == "transformers" and "'gguf'" in str(info.value)


def test_a_truncated_gguf_is_a_backend_error(tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + bytes(64))
    backend = TransformersBackend(locate_source(str(gguf), tmp_path / "models"))
    with pytest.raises(BackendError) as info:
        backend.count_tokens(request())
    assert str(gguf) in str(info.value)


def _copy(tiny_dir: Path, to: Path) -> Path:
    to.mkdir()
    for path in tiny_dir.iterdir():
        (to / path.name).write_bytes(path.read_bytes())
    return to


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("config.json", b'{"model_type": "qwen2", "hidden_size": '),  # cut off mid-write
        ("config.json", b'{"model_type": "no-such-architecture"}'),
        ("model.safetensors", b"\x00" * 64),
    ],
)
def test_broken_folders_are_backend_errors(tiny_dir: Path, tmp_path: Path, name: str, content: bytes) -> None:
    folder = _copy(tiny_dir, tmp_path / "broken")
    (folder / name).write_bytes(content)
    backend = TransformersBackend(locate_source(str(folder), tmp_path / "models"))
    with pytest.raises(BackendError) as info:
        backend.count_tokens(request())
    assert str(folder) in str(info.value) and info.value.hint
    assert "\n" not in info.value.message and len(info.value.message) < 500  # one line, not a page


def test_a_model_without_a_chat_template_is_refused(tiny_dir: Path, tmp_path: Path) -> None:
    folder = _copy(tiny_dir, tmp_path / "base-model")
    (folder / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    backend = TransformersBackend(locate_source(str(folder), tmp_path / "models"))
    with pytest.raises(BackendError) as info:
        backend.count_tokens(request())
    assert "no chat template" in str(info.value) and "chat_template.jinja" in info.value.hint


def test_a_failing_chat_template_is_a_backend_error(tiny_dir: Path, tmp_path: Path) -> None:
    folder = _copy(tiny_dir, tmp_path / "bad-template")
    (folder / "chat_template.jinja").write_text("{{ raise_exception('roles must alternate') }}")
    backend = TransformersBackend(locate_source(str(folder), tmp_path / "models"))
    with pytest.raises(BackendError) as info:
        backend.count_tokens(request())
    assert "roles must alternate" in str(info.value)


@pytest.fixture(autouse=True)
def _no_thread_left() -> Iterator[None]:
    yield
    assert not _alive(), "a generation thread was left running"
