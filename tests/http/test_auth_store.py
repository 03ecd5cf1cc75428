"""The credentials store on SQLite and PostgreSQL: hashes, sessions (idle and absolute expiry),
API tokens (hashed, revocable), and sessions ending with a password change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.store.conftest import KINDS, Databases
from zhimei.api import Zhimei
from zhimei.config import load_settings
from zhimei.errors import AuthenticationError, InputError, NotFoundError, PermissionDeniedError
from zhimei.records import utcnow
from zhimei.store.auth import AuthStore, SessionPolicy, secret_hash


@pytest.fixture(params=KINDS)
def zm(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Zhimei]:
    dbs = Databases(tmp_path)
    url = dbs.url(request.param)
    settings = load_settings(
        {"home": tmp_path / "home", "backend": "scripted", "database_url": url}, environ={}, cwd=tmp_path
    )
    out = Zhimei(settings)
    out.users_add("ada", "admin")
    out.users_add("rita", "reporter", by="ada")
    yield out
    out.engine.dispose()
    dbs.close()


def test_passwords(zm: Zhimei) -> None:
    assert zm.auth_setup_needed()
    zm.auth_set_password("ada", "ada-password")  # the first admin's own, before anyone can sign in
    assert not zm.auth_setup_needed()
    with pytest.raises(PermissionDeniedError):
        zm.auth_set_password("rita", "rita-password")  # now an admin must do it
    zm.auth_set_password("rita", "rita-password", by="ada")
    assert zm.auth_login("rita", "rita-password").role == "reporter"
    for name, password in (("rita", "wrong"), ("nobody", "rita-password"), ("", "x"), ("r" * 500, "x")):
        with pytest.raises(AuthenticationError):
            zm.auth_login(name, password)
    with pytest.raises(InputError):
        zm.auth_set_password("rita", "short", by="ada")
    with pytest.raises(NotFoundError):
        zm.auth_set_password("nobody", "long-enough", by="ada")
    with pytest.raises(PermissionDeniedError):
        zm.auth_set_password("ada", "long-enough", by="rita")
    stored = zm.auth_store.users_with_password()
    assert stored == {"ada", "rita"}


def test_sessions_expire_and_end_with_the_password(zm: Zhimei) -> None:
    zm.auth_set_password("ada", "ada-password")
    store = AuthStore(zm.engine, SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=8)))
    start = utcnow()
    secret, session = store.create_session("ada", start)
    assert store.session(secret, start + timedelta(minutes=20)) is not None  # touched: idle clock restarts
    assert store.session(secret, start + timedelta(minutes=45)) is not None
    assert store.session(secret, start + timedelta(minutes=80)) is None  # idle 35 min
    again, _ = store.create_session("ada", start)
    for minutes in range(20, 8 * 60, 20):
        alive = store.session(again, start + timedelta(minutes=minutes))
    assert alive is not None
    assert store.session(again, start + timedelta(hours=8, minutes=1)) is None  # absolute limit
    third, _ = store.create_session("ada")
    assert zm.auth_session(third) is not None
    zm.auth_set_password("ada", "new-password", by="ada")
    assert zm.auth_session(third) is None
    assert zm.auth_session("not-a-session") is None
    assert len(session.csrf) >= 40


def test_tokens_are_hashed_and_revocable(zm: Zhimei) -> None:
    secret, token = zm.auth_token_new("rita", "cms")
    assert secret.startswith("zmt_") and token.prefix == secret[:10]
    assert zm.auth_token_user(secret).name == "rita"  # type: ignore[union-attr]
    assert zm.auth_token_user(secret + "x") is None
    assert secret_hash(secret) != secret
    listed = zm.auth_tokens("rita")
    assert [t.id for t in listed] == [token.id] and listed[0].last_used_at is not None
    with pytest.raises(NotFoundError):
        zm.auth_token_revoke("ada", token.id)
    revoked = zm.auth_token_revoke("rita", token.id)
    assert revoked.revoked_at is not None
    assert zm.auth_token_revoke("rita", token.id).revoked_at == revoked.revoked_at
    assert zm.auth_token_user(secret) is None
    for bad in ("", " ", "x" * 101):
        with pytest.raises(InputError):
            zm.auth_token_new("rita", bad)
