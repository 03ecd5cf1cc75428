"""`zhimei passwd` and the first start of `zhimei serve` (without a terminal: a setup code)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from zhimei.api import Zhimei
from zhimei.config import load_settings
from zhimei.errors import InputError, PermissionDeniedError
from zhimei.interfaces.cli import serve_cmd
from zhimei.interfaces.cli.app import app


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _zm(home: Path) -> Zhimei:
    return Zhimei(load_settings({"home": home, "backend": "scripted"}, environ={}, cwd=home.parent))


def test_passwd_from_standard_input(home: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["--home", str(home), "users", "add", "chief", "--role", "admin"])
    assert made.exit_code == 0, made.output
    first = runner.invoke(app, ["--home", str(home), "passwd", "chief"], input="chief-password\n")
    assert first.exit_code == 0, first.output
    assert _zm(home).auth_login("chief", "chief-password").role == "admin"
    runner.invoke(app, ["--home", str(home), "users", "add", "rita", "--role", "reporter", "--by", "chief"])
    denied = runner.invoke(app, ["--home", str(home), "passwd", "rita"], input="rita-password\n")
    assert isinstance(denied.exception, PermissionDeniedError)  # an admin acts, now that one can sign in
    ok = runner.invoke(app, ["--home", str(home), "passwd", "rita", "--by", "chief"], input="rita-password\n")
    assert ok.exit_code == 0
    short = runner.invoke(app, ["--home", str(home), "passwd", "rita", "--by", "chief"], input="short\n")
    assert isinstance(short.exception, InputError)
    empty = runner.invoke(app, ["--home", str(home), "passwd", "rita", "--by", "chief"], input="")
    assert isinstance(empty.exception, InputError)


def test_first_start_without_a_terminal_prints_a_setup_code(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zm = _zm(home)
    code = serve_cmd._first_admin(zm, "http://127.0.0.1:8000")
    assert code and len(code) >= 10
    assert code in capsys.readouterr().err
    zm.users_add("chief", "admin")
    zm.auth_set_password("chief", "chief-password")
    assert serve_cmd._first_admin(zm, "http://127.0.0.1:8000") is None
