"""One typed Settings object, resolved once at the edge: flags > ZHIMEI_* env > zhimei.toml > defaults.

This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, field_validator

from zhimei.errors import ConfigError, UnknownNameError

__all__ = ["ENV_PREFIX", "Settings", "load_settings"]

ENV_PREFIX = "ZHIMEI_"
# Variables with these prefixes belong to test and benchmark harnesses, not to Settings.
_RESERVED_ENV = ("ZHIMEI_TEST_", "ZHIMEI_BENCH_", "ZHIMEI_CONFIG")
# Optional settings an empty value unsets, as shells make unsetting awkward.
_OPTIONAL = frozenset(
    {"database_url", "n_threads", "user", "openai_base_url", "openai_api_key", "openai_model"}
)


def _default_home() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("zhimei", appauthor=False))


class Settings(BaseModel):
    """Every setting zhimei reads. Unknown names are an error that lists these."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    home: Path = Field(default_factory=_default_home, description="data directory (models, database)")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite file in home")
    backend: str = Field("embedded", description="text generation backend")
    model: str = Field("qwen2.5-1.5b", description="model pack name or path to a local GGUF file")
    n_ctx: int = Field(4096, ge=256, le=131072, description="context window of the embedded model")
    n_threads: int | None = Field(None, ge=1, description="CPU threads for the embedded model; default: all")
    flash_attn: bool = Field(True, description="flash attention in the embedded model")
    speculative: bool = Field(True, description="prompt-lookup drafting for greedy generation")
    max_retries: int = Field(2, ge=0, le=10, description="corrective retries when checks fail")
    lang: Literal["auto", "zh", "en"] = Field("auto", description="output language; auto follows the input")
    user: str | None = Field(None, description="acting user for audit")
    openai_base_url: str | None = Field(None, description="OpenAI-compatible server, e.g. http://host/v1")
    openai_api_key: SecretStr | None = Field(None, description="API key for that server (never printed)")
    openai_model: str | None = Field(None, description="model on that server; default: the first it lists")
    openai_timeout: float = Field(120.0, gt=0, description="seconds one call may take, retries included")
    fetch_allow: tuple[str, ...] = Field(
        (), description="hosts or address ranges fetching may reach despite the private-network guard"
    )
    fetch_timeout: float = Field(60.0, gt=0, description="seconds one fetch may take, redirects included")
    fetch_connect_timeout: float = Field(10.0, gt=0, description="seconds to connect to a server")
    fetch_read_timeout: float = Field(30.0, gt=0, description="longest silence tolerated from a server")
    fetch_max_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="largest body fetched (decompressed)")
    fetch_interval: float = Field(1.0, ge=0, description="seconds between two requests to one host")

    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return Path(value).expanduser()

    @field_validator("fetch_allow", mode="before")
    @classmethod
    def _split_allow(cls, value: Any) -> Any:
        # From the environment: "intranet.example, 10.1.0.0/16" (commas or spaces).
        return tuple(value.replace(",", " ").split()) if isinstance(value, str) else value

    @property
    def sources(self) -> dict[str, str]:
        """Where each setting's value came from: flag, env, toml (with path) or default."""
        return {name: self._sources.get(name, "default") for name in type(self).model_fields}

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'zhimei.db'}"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"


def _check_names(names: Mapping[str, Any], origin: str) -> None:
    valid = Settings.model_fields
    for name in names:
        if name not in valid:
            raise UnknownNameError(f"setting (from {origin})", name, valid)


def _from_env(environ: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key.startswith(_RESERVED_ENV):
            continue
        out[key[len(ENV_PREFIX) :].lower()] = value
    _check_names(out, "environment")
    return out


def _toml_path(environ: Mapping[str, str], cwd: Path, home: Path | None) -> Path | None:
    explicit = environ.get("ZHIMEI_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"ZHIMEI_CONFIG names {path}, which is not a file")
        return path
    for candidate in (cwd / "zhimei.toml", (home or _default_home()) / "zhimei.toml"):
        if candidate.is_file():
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", "fix or remove the file") from exc
    _check_names(data, str(path))
    return data


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve settings from flags (None values ignored), environment, zhimei.toml and defaults."""
    environ = os.environ if environ is None else environ
    flag_values = {k: v for k, v in (flags or {}).items() if v is not None}
    _check_names(flag_values, "flags")
    env_values = _from_env(environ)
    home_hint = flag_values.get("home") or env_values.get("home")
    toml_path = _toml_path(environ, cwd or Path.cwd(), Path(home_hint) if home_hint else None)
    toml_values = _read_toml(toml_path) if toml_path else {}

    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for origin, values in (
        ("toml " + str(toml_path), toml_values),
        ("env", env_values),
        ("flag", flag_values),
    ):
        for key, value in values.items():
            merged[key] = value
            sources[key] = origin if origin != "env" else f"env {ENV_PREFIX}{key.upper()}"
    merged = {k: (None if v == "" and k in _OPTIONAL else v) for k, v in merged.items()}
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"invalid value for setting {name!r} (from {sources.get(name, 'default')}): {first['msg']}"
        ) from exc
    settings._sources.update(sources)
    return settings
