"""Where the transformers backend finds its model, and the content hash that becomes its model id."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from zhimei.backends.hf import TransformersBackend, deciding_files, locate_source
from zhimei.backends.hf import source as source_module
from zhimei.errors import ConfigError, InputError, ModelMissingError


def _folder(root: Path, weights: bytes = b"weights") -> Path:
    """A model folder as fine-tuning leaves it: model files plus training leftovers."""
    folder = root / "checkpoint-500"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "qwen2"}')
    (folder / "tokenizer.json").write_text("{}")
    (folder / "chat_template.jinja").write_text("{{ messages }}")
    (folder / "model.safetensors").write_bytes(weights)
    (folder / "optimizer.pt").write_bytes(b"optimizer state")
    (folder / "training_args.bin").write_bytes(b"args")
    (folder / "README.md").write_text("notes")
    return folder


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_folder_id_is_the_hash_of_what_decides_the_output(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    names = [p.name for p in deciding_files(folder)]
    assert names == ["chat_template.jinja", "config.json", "model.safetensors", "tokenizer.json"]
    source = locate_source(str(folder), tmp_path / "models")
    manifest = "".join(f"{n}\t{_sha((folder / n).read_bytes())}\n" for n in names)
    assert source.sha256 == _sha(manifest.encode())
    assert source.gguf_file is None and source.location == str(folder.resolve())
    assert TransformersBackend(source).model_id == f"sha256:{source.sha256}"


def test_training_leftovers_do_not_change_the_id_and_weights_do(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    models = tmp_path / "models"
    first = locate_source(str(folder), models).sha256
    (folder / "optimizer.pt").write_bytes(b"another step")
    (folder / "README.md").write_text("edited")
    assert locate_source(str(folder), models).sha256 == first
    (folder / "model.safetensors").write_bytes(b"fine-tuned further")
    assert locate_source(str(folder), models).sha256 != first


def test_file_hashes_are_cached_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    models = tmp_path / "models"
    hashed: list[str] = []
    real = source_module.hash_file

    def counting(path: Path) -> str:
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(source_module, "hash_file", counting)
    locate_source(str(folder), models)
    assert len(hashed) == 4
    locate_source(str(folder), models)
    assert len(hashed) == 4  # nothing re-hashed
    (folder / "model.safetensors").write_bytes(b"new weights, new size")
    locate_source(str(folder), models)
    assert hashed[4:] == ["model.safetensors"]


def test_sharded_weights_and_their_index_count(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "model.safetensors").unlink()
    for name in ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"):
        (folder / name).write_bytes(name.encode())
    (folder / "model.safetensors.index.json").write_text("{}")
    names = {p.name for p in deciding_files(folder)}
    assert {"model-00001-of-00002.safetensors", "model.safetensors.index.json"} <= names


def test_a_gguf_file_is_used_through_gguf_file(tmp_path: Path) -> None:
    gguf = tmp_path / "tuned.gguf"
    data = b"GGUF" + bytes(32)
    gguf.write_bytes(data)
    source = locate_source(str(gguf), tmp_path / "models")
    assert (source.folder, source.gguf_file, source.sha256) == (tmp_path.resolve(), "tuned.gguf", _sha(data))
    assert source.location == str(gguf.resolve())


def test_a_folder_without_config_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "config.json").unlink()
    with pytest.raises(InputError) as info:
        locate_source(str(folder), tmp_path / "models")
    assert "config.json" in str(info.value) and "ZHIMEI_MODEL" in info.value.hint


def test_a_folder_without_weights_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelMissingError) as info:
        locate_source(str(folder), tmp_path / "models")
    assert "no weights" in str(info.value)


@pytest.mark.parametrize("model", ["./no-such-checkpoint", "/nowhere/model", "missing.gguf"])
def test_missing_paths_are_model_missing(tmp_path: Path, model: str) -> None:
    with pytest.raises(ModelMissingError) as info:
        locate_source(model, tmp_path / "models")
    assert "does not exist" in str(info.value)


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"\x00" * 16)
    with pytest.raises(InputError) as info:
        locate_source(str(weights), tmp_path / "models")
    assert "not a GGUF" in str(info.value)


def test_an_unknown_pack_name_lists_the_packs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        locate_source("qwen9-400b", tmp_path / "models")
    assert "qwen2.5-0.5b" in info.value.hint
