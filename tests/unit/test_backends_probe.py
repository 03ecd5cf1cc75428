"""`zhimei backends test`: the probe in the library, the api method, and the command in a subprocess."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends.fake_openai import CHAT, FakeOpenAI, Reply
from tests.unit.test_cli import zhimei
from zhimei.api import Zhimei
from zhimei.backends.base import PROBE_REQUEST, BackendProbe, probe
from zhimei.backends.embedded import EmbeddedBackend
from zhimei.backends.openai import (
    AuthenticationError,
    EndpointNotFoundError,
    OpenAIBackend,
    ServerUnreachableError,
)
from zhimei.backends.scripted import ScriptedBackend
from zhimei.config import Settings
from zhimei.errors import BackendError
from zhimei.records import Chunk, GenerationRequest

MODELS = "/v1/models"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI("vllm", context=3072) as fake:
        yield fake


def quick(url: str, **options: object) -> OpenAIBackend:
    return OpenAIBackend(url, timeout=2.0, backoff=0.01, max_retries=0, **options)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the library


def test_probe_of_the_scripted_backend() -> None:
    backend = ScriptedBackend(["杭州 是 浙江省 的 省会"], context_size=777)
    result = probe(backend)
    assert result == BackendProbe(
        backend="scripted",
        location="scripted replies (no model)",
        model_id="scripted",
        context_size=777,
        ready_s=result.ready_s,
        prompt_tokens=backend.count_tokens(PROBE_REQUEST),
        completion_tokens=1,
        first_token_s=result.first_token_s,
        round_trip_s=result.round_trip_s,
        reply="杭",  # one token: one CJK character
    )
    assert result.round_trip_s >= result.first_token_s >= 0 and result.ready_s >= 0
    assert backend.calls == [PROBE_REQUEST] and PROBE_REQUEST.options.max_tokens == 1


def test_probe_of_an_openai_server(server: FakeOpenAI) -> None:
    server.reported_model = "fake-model-2025-01"
    result = probe(quick(server.url))
    assert result.backend == "openai" and result.location == server.url
    assert result.model_id == f"openai:{server.url}#fake-model-2025-01"  # as the reply named it
    assert result.context_size == 3072 and result.completion_tokens == 1 and result.reply
    assert server.count(CHAT) == 1
    assert next(r.json for r in server.requests if r.path == CHAT)["max_tokens"] == 1


def test_wrong_base_url_is_not_found(server: FakeOpenAI) -> None:
    with pytest.raises(EndpointNotFoundError) as info:
        probe(quick(server.url.removesuffix("/v1") + "/api"))
    assert "/api/models answered Not Found (404)" in str(info.value)
    assert "ZHIMEI_OPENAI_BASE_URL" in info.value.hint and info.value.exit_code == 5


def test_wrong_key_is_refused(server: FakeOpenAI) -> None:
    server.push(MODELS, Reply.error("openai_401"))
    with pytest.raises(AuthenticationError) as info:
        probe(quick(server.url, api_key="sk-wrong-0123456789abcdefghij"))
    assert "refused the credentials (401)" in str(info.value) and "sk-wrong" not in str(info.value)
    assert "ZHIMEI_OPENAI_API_KEY" in info.value.hint


def test_server_down_is_unreachable() -> None:
    with FakeOpenAI() as fake:
        url = fake.url  # nothing listens here any more
    with pytest.raises(ServerUnreachableError) as info:
        probe(quick(url))
    assert "cannot reach" in str(info.value) and "server is running" in info.value.hint


def test_model_missing_on_the_server(server: FakeOpenAI) -> None:
    server.push(CHAT, Reply.error("vllm_404_model"))
    with pytest.raises(EndpointNotFoundError) as info:
        probe(quick(server.url, model="llama3"))
    assert "404" in str(info.value) and "ZHIMEI_OPENAI_MODEL" in info.value.hint


class _NoFinalChunk(ScriptedBackend):
    def generate(self, request: GenerationRequest) -> Iterator[Chunk]:
        yield Chunk(text="half")


def test_a_reply_without_a_final_chunk_is_a_backend_error() -> None:
    with pytest.raises(BackendError) as info:
        probe(_NoFinalChunk())
    assert "without a final chunk" in str(info.value)


def test_probe_of_an_embedded_model_that_is_missing(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "gone.gguf", "0" * 64)
    assert backend.location == str(tmp_path / "gone.gguf")
    with pytest.raises(BackendError) as info:
        probe(backend)
    assert "gone.gguf" in str(info.value)


def test_api_tests_the_configured_backend_or_one_by_name(settings: Settings) -> None:
    injected = ScriptedBackend(["ok"], context_size=999)
    zm = Zhimei(settings, backend=injected)
    assert zm.test_backend().context_size == 999 and len(injected.calls) == 1
    assert zm.test_backend("scripted").context_size == 999  # the configured one: the same object
    assert len(injected.calls) == 2


def test_api_builds_another_backend_by_name(settings: Settings, server: FakeOpenAI) -> None:
    zm = Zhimei(settings.model_copy(update={"openai_base_url": server.url}), backend=ScriptedBackend())
    result = zm.test_backend("openai")
    assert result.backend == "openai" and result.context_size == 3072


# ---------------------------------------------------------------- the command


def backends_test(tmp_path: Path, *args: str, **settings: object) -> subprocess.CompletedProcess[str]:
    """`zhimei backends test ARGS` in a subprocess, with ``settings`` in a zhimei.toml beside it."""
    toml = "".join(f"{name} = {json.dumps(value)}\n" for name, value in settings.items())
    (tmp_path / "zhimei.toml").write_text(toml, encoding="utf-8")
    return zhimei(tmp_path, "backends", "test", *args)


@pytest.mark.cli
def test_cli_json(tmp_path: Path) -> None:
    out = backends_test(tmp_path, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["backend"] == "scripted" and data["model_id"] == "scripted"
    assert data["context_size"] == 4096 and data["completion_tokens"] == 1
    assert set(data) == set(BackendProbe.__dataclass_fields__)


@pytest.mark.cli
def test_cli_table_for_an_openai_server(tmp_path: Path, server: FakeOpenAI) -> None:
    out = backends_test(tmp_path, "openai", openai_base_url=server.url)
    assert out.returncode == 0, out.stderr
    for expected in ("openai", server.url, "fake-model", "3072 tokens", "1-token reply"):
        assert expected in out.stdout


@pytest.mark.cli
def test_cli_wrong_base_url(tmp_path: Path, server: FakeOpenAI) -> None:
    out = backends_test(tmp_path, "openai", openai_base_url=server.url.removesuffix("/v1") + "/api")
    assert out.returncode == 5 and out.stdout == ""
    assert "answered Not Found (404)" in out.stderr and "ZHIMEI_OPENAI_BASE_URL" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.cli
def test_cli_wrong_key(tmp_path: Path, server: FakeOpenAI) -> None:
    server.push(MODELS, Reply.error("openai_401"))
    out = backends_test(
        tmp_path, "openai", openai_base_url=server.url, openai_api_key="sk-wrong-0123456789abcdef"
    )
    assert out.returncode == 5
    assert "refused the credentials (401)" in out.stderr and "ZHIMEI_OPENAI_API_KEY" in out.stderr
    assert "sk-wrong" not in out.stderr


@pytest.mark.cli
def test_cli_server_down(tmp_path: Path) -> None:
    with FakeOpenAI() as fake:
        url = fake.url
    out = backends_test(tmp_path, "openai", openai_base_url=url, openai_timeout=1.0)
    assert out.returncode == 5 and "cannot reach" in out.stderr


@pytest.mark.parametrize(
    ("backend", "model"), [("embedded", "/nowhere/model.gguf"), ("transformers", "/nowhere/checkpoint")]
)
@pytest.mark.cli
def test_cli_local_model_missing(tmp_path: Path, backend: str, model: str) -> None:
    out = backends_test(tmp_path, backend, model=model)
    assert out.returncode == 4 and "does not exist" in out.stderr and "ZHIMEI_MODEL" in out.stderr


@pytest.mark.model
def test_probe_of_the_embedded_model(embedded_05b: EmbeddedBackend) -> None:
    result = probe(embedded_05b)
    assert result.model_id == embedded_05b.model_id and result.location == str(embedded_05b.model_path)
    assert result.completion_tokens == 1 and result.context_size == 2048
