"""Loopback helpers for intake tests: HTTP servers that count accepted connections, a listener
that never answers, and a resolver that answers from a table.

The "public" site listens on 127.0.0.2 and is reached only because the test policy allow-lists
127.0.0.2/32; the "internal" server listens on 127.0.0.1 (same port when free) and must never
see a connection.
"""

from __future__ import annotations

import http.server
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SITE_HOST = "127.0.0.2"
INTERNAL_HOST = "127.0.0.1"

Route = Callable[[http.server.BaseHTTPRequestHandler], None]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: CountingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.server.requests.append((path, dict(self.headers.items())))
        route = self.server.routes.get(path)
        try:
            if route is None:
                send(self, 404, b"not found")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True


class CountingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """An HTTP server on loopback that counts accepted connections and records requests."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int = 0) -> None:
        self.accepts = 0
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        super().__init__((host, port), _Handler)

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        self.accepts += 1
        return conn, addr

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up on purpose in these tests

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = "news.example") -> str:
        return f"http://{host}:{self.port}{path}"


def send(
    handler: http.server.BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
) -> None:
    """Write a complete response with a Content-Length."""
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def serve(server: CountingServer) -> Iterator[CountingServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class SilentListener:
    """Accepts connections and never answers (a server that hangs)."""

    def __init__(self, host: str = SITE_HOST) -> None:
        self.sock = socket.create_server((host, 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self.sock.settimeout(0.05)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


class TableResolver:
    """Resolves names from a table (a list of answers per call makes a rebinding resolver)."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]) -> None:
        self.table = table
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        answers = self.table.get(host.lower().rstrip("."))
        if answers is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if answers and isinstance(answers[0], list):  # one answer set per call, the last repeats
            index = min(self.calls.count(host) - 1, len(answers) - 1)
            return list(answers[index])
        return [str(a) for a in answers]
