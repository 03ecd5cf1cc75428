"""Where a transformers model comes from, and its content hash.

The ``model`` setting names a Hugging Face model folder (``config.json`` + weights, e.g. a
fine-tuned checkpoint), a GGUF file, or a model pack (whose GGUF transformers dequantizes). The
resolved model id is the sha256 of a manifest listing the sha256 of every file that decides the
output (config, tokenizer, chat template, weights); per-file hashes are cached beside the model
packs, keyed by size and mtime, so a checkpoint is not re-hashed on every start.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from zhimei.errors import InputError, ModelMissingError
from zhimei.models import locate_gguf
from zhimei.models.packs import _Stamps, hash_file

__all__ = ["ModelSource", "deciding_files", "locate_source"]

_HINT = "set ZHIMEI_MODEL to a Hugging Face model folder, a .gguf file or a model pack name"
# Files besides the weights that change what the model says: architecture, tokenizer, chat template.
_DECIDING = (
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "tokenizer.model",
    "vocab.json",
    "merges.txt",
    "special_tokens_map.json",
    "added_tokens.json",
    "chat_template.jinja",
    "chat_template.json",
)
# What transformers loads weights from; training leftovers (optimizer.pt, training_args.bin) are not.
_WEIGHTS = (
    "*.safetensors",
    "*.safetensors.index.json",
    "pytorch_model*.bin",
    "pytorch_model*.bin.index.json",
)


@dataclass(frozen=True)
class ModelSource:
    """A model on disk: the folder transformers loads, the GGUF file in it if any, and the content hash."""

    folder: Path
    gguf_file: str | None
    sha256: str

    @property
    def location(self) -> str:
        """The folder, or the GGUF file, as a path."""
        return str(self.folder / self.gguf_file) if self.gguf_file else str(self.folder)


def deciding_files(folder: Path) -> list[Path]:
    """The files of a model folder that decide its output, sorted; refuses a folder that is not a model."""
    if not (folder / "config.json").is_file():
        raise InputError(f"{folder} has no config.json, so it is not a Hugging Face model folder", _HINT)
    weights = {p for pattern in _WEIGHTS for p in folder.glob(pattern) if p.is_file()}
    if not weights:
        raise ModelMissingError(
            f"{folder} holds no weights (*.safetensors or pytorch_model*.bin)",
            "copy the checkpoint's weight files into the folder, or " + _HINT,
        )
    named = {folder / name for name in _DECIDING if (folder / name).is_file()}
    return sorted(named | weights)


def _folder_sha256(folder: Path, models_dir: Path) -> str:
    stamps = _Stamps(models_dir)
    manifest = hashlib.sha256()
    for path in deciding_files(folder):
        sha = stamps.get(path)
        if sha is None:
            sha = hash_file(path)
            stamps.put(path, sha)
        manifest.update(f"{path.name}\t{sha}\n".encode())
    return manifest.hexdigest()


def locate_source(model: str, models_dir: Path) -> ModelSource:
    """The model named by ``model`` (folder, GGUF file or pack name) with its content hash."""
    path = Path(model).expanduser()
    if path.is_dir():
        return ModelSource(path.resolve(), None, _folder_sha256(path.resolve(), models_dir))
    if not path.exists() and (path.is_absolute() or model.startswith((".", "~")) or "/" in model):
        raise ModelMissingError(f"model folder or file {path} does not exist", _HINT)
    gguf, sha = locate_gguf(model, models_dir)
    gguf = gguf.resolve()
    return ModelSource(gguf.parent, gguf.name, sha)
