"""Running the zhimei command (with the fake sentence encoder) in a subprocess for intake tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.sources.servers import SITE_HOST

ROOT = Path(__file__).resolve().parents[2]


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a zhimei subprocess: its own data dir, the scripted backend, the loopback
    site allow-listed, no pause between requests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIMEI_") or k.startswith("ZHIMEI_TEST_")}
    env.update(
        PYTHONPATH=str(ROOT),
        ZHIMEI_HOME=str(home),
        ZHIMEI_BACKEND="scripted",
        ZHIMEI_FETCH_ALLOW=f"{SITE_HOST}/32",
        ZHIMEI_FETCH_INTERVAL="0",
        **extra,
    )
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.intake.fake_cli", *args]


def zhimei(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``zhimei ARGS`` to completion."""
    return subprocess.run(
        command(*args), env=cli_env(home), cwd=home.parent, capture_output=True, text=True, timeout=timeout
    )


def start(home: Path, *args: str, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start ``zhimei ARGS`` in the background (``env``: more variables), its output going to ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            command(*args), env=cli_env(home, **(env or {})), cwd=home.parent, stdout=out, stderr=out
        )
