"""Running ``zhimei serve`` as a subprocess and driving Debian's Chromium headless with Playwright.

The browser may reach the studio's loopback address only: every other request is aborted and
recorded. Console errors, uncaught page errors and dialogs are recorded too, so a test can
assert that nothing ran that should not have.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Kept after the run for people to look at; ZHIMEI_TEST_SCREENSHOTS chooses where.
SCREENS = Path(os.environ.get("ZHIMEI_TEST_SCREENSHOTS") or Path(tempfile.gettempdir()) / "zhimei-screens")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running ``zhimei serve`` and what it printed on stderr."""

    process: subprocess.Popen[str]
    url: str
    home: Path
    lines: list[str] = field(default_factory=list)

    def setup_code(self, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                found = re.search(r"setup code: (\S+)", line)
                if found:
                    return found.group(1)
            time.sleep(0.1)
        raise AssertionError("the server printed no setup code:\n" + "".join(self.lines))


def zhimei_command(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "zhimei", "--home", str(home), "--backend", "scripted", *args]


@contextmanager
def serve(home: Path, *extra: str) -> Iterator[Server]:
    """``zhimei serve`` on a free loopback port (stdin closed: no terminal, so it prints a setup code)."""
    port = free_port()
    process = subprocess.Popen(
        zhimei_command(home, "serve", "--port", str(port), *extra),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(process=process, url=f"http://127.0.0.1:{port}", home=home)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.lines.append(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(server.url + "/api/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("zhimei serve did not start:\n" + "".join(server.lines))
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Watch:
    """What the browser did that it should not: dialogs, console errors, page errors, outside requests."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    requests: int = 0


@contextmanager
def browser(allowed_origin: str) -> Iterator[tuple[Any, Watch]]:
    """A Chromium context that may only talk to ``allowed_origin``, and what it was caught doing."""
    from playwright.sync_api import sync_playwright

    watch = Watch()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")

        def route(route: Any) -> None:
            url = route.request.url
            watch.requests += 1
            if url.startswith(allowed_origin + "/") or url == allowed_origin:
                route.continue_()
            else:
                watch.outside.append(url)
                route.abort()

        context.route("**/*", route)

        def on_page(page: Any) -> None:
            page.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: watch.page_errors.append(str(e)))

        context.on("page", on_page)
        try:
            yield context, watch
        finally:
            context.close()
            chromium.close()


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot in SCREENS, checked not to be blank."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert not png_is_blank(path.read_bytes()), f"screenshot {path} is blank"
    return path


def png_is_blank(data: bytes) -> bool:
    """Whether a PNG holds (nearly) one colour: its decompressed scanlines use few distinct bytes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    return len(set(raw)) < 16 or len(data) < 5_000


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """An ASGI app served by uvicorn in a thread on a free loopback port; yields its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
