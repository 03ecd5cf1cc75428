"""The transformers backend on the real 0.5B pack, loaded through ``gguf_file=`` (Q4_K_M dequantized
to float32): the shared contract, a sensible Chinese reply, UTF-8-safe streaming, seeded sampling."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backends.contract import BackendContract, request
from zhimei.backends.base import collect
from zhimei.backends.embedded import EmbeddedBackend
from zhimei.backends.hf import ModelSource, TransformersBackend
from zhimei.models.catalog import find_pack

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def hf_05b(model_path_05b: Path) -> TransformersBackend:
    # The pack's published sha256, as the embedded fixtures use: no re-hashing of the real file.
    source = ModelSource(
        model_path_05b.parent, model_path_05b.name, find_pack("qwen2.5-0.5b").files[0].sha256
    )
    backend = TransformersBackend(source, n_ctx=2048)
    backend.count_tokens(request())  # load once for the module
    return backend


class TestTransformersGGUFContract(BackendContract):
    holds_back_stop_prefixes = True

    @pytest.fixture
    def backend(self, hf_05b: TransformersBackend) -> TransformersBackend:
        return hf_05b


def test_same_file_same_model_id_as_llama_cpp(
    hf_05b: TransformersBackend, embedded_05b: EmbeddedBackend
) -> None:
    assert hf_05b.model_id == embedded_05b.model_id
    assert hf_05b.location == str(embedded_05b.model_path.resolve())


def test_chinese_reply_streams_whole_characters(hf_05b: TransformersBackend) -> None:
    chunks = list(hf_05b.generate(request(max_tokens=32)))
    text = "".join(c.text for c in chunks)
    assert "杭州" in text
    assert not any("\ufffd" in c.text for c in chunks)
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens <= 32


def test_chat_template_and_context_come_from_the_gguf(hf_05b: TransformersBackend) -> None:
    assert hf_05b.context_size == 2048  # n_ctx; the model was trained for 32768 positions
    ids = hf_05b.prompt_tokens(request())
    assert hf_05b.tokenizer.decode(ids).startswith("<|im_start|>system\nBe brief.<|im_end|>")


def test_sampled_generation_follows_the_seed(hf_05b: TransformersBackend) -> None:
    a = collect(hf_05b.generate(request(temperature=0.9, seed=11, max_tokens=12))).text
    b = collect(hf_05b.generate(request(temperature=0.9, seed=11, max_tokens=12))).text
    assert a == b and a.strip()
