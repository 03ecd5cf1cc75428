"""Fixtures for intake tests: the loopback site and internal servers, a hanging listener, a table
resolver, a sub-second fetch policy, and a guard that fails any test opening a connection outside
loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.sources.servers import (
    INTERNAL_HOST,
    SITE_HOST,
    CountingServer,
    SilentListener,
    TableResolver,
    serve,
)
from zhimei.sources.fetch import FetchPolicy


@pytest.fixture(scope="module")
def internal() -> Iterator[CountingServer]:
    """A server on 127.0.0.1 that no fetch may reach: every test asserts its accept count."""
    yield from serve(CountingServer(INTERNAL_HOST))


@pytest.fixture(scope="module")
def site(internal: CountingServer) -> Iterator[CountingServer]:
    """The allow-listed test site: 127.0.0.2 on the internal server's port, so that a name
    answered first with one address and then the other (DNS rebinding) means the same URL."""
    yield from serve(CountingServer(SITE_HOST, internal.port))


@pytest.fixture
def silent() -> Iterator[SilentListener]:
    listener = SilentListener()
    yield listener
    listener.close()


@pytest.fixture
def resolver() -> TableResolver:
    return TableResolver({"news.example": [SITE_HOST], "feeds.example": [SITE_HOST]})


@pytest.fixture
def policy() -> FetchPolicy:
    """Sub-second limits; only the test site's address is allow-listed."""
    return FetchPolicy(
        allow=(f"{SITE_HOST}/32",),
        connect_timeout=0.5,
        read_timeout=0.5,
        total_timeout=1.0,
        max_bytes=1024 * 1024,
        min_interval=0.0,
    )


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Safety net: no intake test may open a connection outside loopback, whatever the guard does."""
    attempts: list[str] = []
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        host = str(address[0])
        if not host.startswith("127."):
            attempts.append(host)
            raise OSError(f"test refused a connection to {host}")
        return real(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "create_connection", guarded)
    yield attempts
    assert not attempts, f"connections attempted outside loopback: {attempts}"
