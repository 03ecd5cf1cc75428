"""A studio app on a fresh store with the scripted backend and one user per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from zhimei.api import Zhimei
from zhimei.config import Settings, load_settings
from zhimei.interfaces.http import ServerOptions, create_app

PASSWORDS = {"ada": "ada-password-1", "eddie": "eddie-password-1", "rita": "rita-password-1"}
ROLES = {"admin": "ada", "editor": "eddie", "reporter": "rita"}
SOURCE = "市政府今天宣布，新的公共交通票价将于明年一月起实施，地铁起步价维持3元。"


@dataclass
class Studio:
    """The app, its library facade, and a client per role (Bearer tokens; anonymous has none)."""

    zm: Zhimei
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}


def make_settings(tmp: Path) -> Settings:
    return load_settings({"home": tmp / "home", "backend": "scripted"}, environ={}, cwd=tmp)


def add_people(zm: Zhimei) -> None:
    zm.users_add("ada", "admin")
    zm.users_add("eddie", "editor", by="ada")
    zm.users_add("rita", "reporter", by="ada")
    for name, password in PASSWORDS.items():
        zm.auth_set_password(name, password, by="ada")


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # argon2id at its real cost takes ~0.3 s a hash on a busy 2-core machine; tests hash a lot.
    from argon2 import PasswordHasher

    import zhimei.store.auth as auth_store

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth_store, "_hasher", lambda: cheap)


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[Studio]:
    zm = Zhimei(make_settings(tmp_path))
    add_people(zm)
    app = create_app(zm, ServerOptions(setup_code="setup-code-1"))
    with TestClient(app, base_url="http://testserver") as client:
        out = Studio(zm=zm, client=client)
        for role, name in ROLES.items():
            out.tokens[role] = zm.auth_token_new(name, "tests")[0]
        yield out


def login(client: TestClient, name: str) -> str:
    """Sign ``name`` in on ``client`` (cookies kept); returns the session's CSRF token."""
    pre = client.get("/api/auth/csrf").json()["csrf"]
    reply = client.post(
        "/api/auth/login", json={"name": name, "password": PASSWORDS[name]}, headers={"X-CSRF-Token": pre}
    )
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["csrf"]
    return token
