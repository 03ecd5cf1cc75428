"""The studio's HTTP API under load: ``zhimei serve`` (scripted backend) on loopback, 50 concurrent
clients for 60 s (``--quick``: 10 s) on the non-generation endpoints, signed in with an API token.

    python benchmarks/bench_api.py [--quick] [--clients N] [--seconds S]

Prints p50/p99 latency per endpoint and overall, errors, requests per second, and the server's RSS
at start and end. The baseline measured in the same run is ``GET /api/health`` (no store access):
``p99_ratio_vs_health`` is how much slower the store-backed endpoints are at the tail. The target
is p99 < 200 ms on 2 cores. Everything runs on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SOURCE = (
    "市政府今天宣布，新的公共交通票价将于明年一月起实施。"
    "地铁起步价维持3元，公交月票由每月120元降至100元，惠及约300万名通勤者。"
)
TARGET_P99_MS = 200.0


def _seed(home: Path) -> tuple[str, list[int]]:
    """Users, an API token and a few drafts in a fresh store; returns the token and draft ids."""
    from zhimei.api import Zhimei
    from zhimei.config import load_settings

    zm = Zhimei(load_settings({"home": home, "backend": "scripted"}, environ={}, cwd=home))
    zm.users_add("ada", "admin")
    zm.users_add("rita", "reporter", by="ada")
    drafts = []
    for i in range(5):
        inp = zm.task_input("headline", text=f"{SOURCE} 第{i}条。")
        draft = zm.drafts_new("headline", inp, by="rita", n=2)
        drafts.append(draft.id)
    zm.review_submit(drafts[0], by="rita")
    token, _ = zm.auth_token_new("ada", "bench")
    zm.engine.dispose()
    return token, drafts


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _start(home: Path, port: int, threads: int | None = None) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "zhimei", "--home", str(home), "--backend", "scripted"]
    cmd += ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("zhimei serve did not start")


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive GET on an open connection; returns the status (the body is read and dropped)."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _load(
    port: int, token: str, paths: list[str], clients: int, seconds: float
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """``clients`` keep-alive connections, each sending GETs one after another until time is up.

    A minimal HTTP/1.1 client on asyncio streams: the load generator shares the machine's cores
    with the server, so it should cost as little CPU as possible.
    """
    latencies: dict[str, list[float]] = {p: [] for p in paths}
    errors: dict[str, int] = {p: 0 for p in paths}
    stop = time.perf_counter() + seconds
    requests = {
        p: f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        for p in paths
    }

    async def client(n: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = n
        try:
            while time.perf_counter() < stop:
                path = paths[i % len(paths)]
                i += 1
                start = time.perf_counter()
                try:
                    ok = await _get(reader, writer, requests[path]) == 200
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    ok = False
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                latencies[path].append((time.perf_counter() - start) * 1000)
                if not ok:
                    errors[path] += 1
        finally:
            writer.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, errors


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 s instead of 60 s")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument(
        "--threads", type=int, default=None, help="the server's request threads (default its own)"
    )
    args = ap.parse_args()
    seconds = args.seconds or (10.0 if args.quick else 60.0)

    with tempfile.TemporaryDirectory(prefix="zhimei-bench-api-") as tmp:
        home = Path(tmp) / "home"
        token, drafts = _seed(home)
        port = _free_port()
        server = _start(home, port, args.threads)
        try:
            first = drafts[0]
            paths = [
                "/api/health",
                "/api/auth/me",
                "/api/drafts",
                f"/api/drafts/{first}",
                f"/api/drafts/{first}/revisions/1",
                f"/api/drafts/{first}/diff?old=1&new=2",
                "/api/review/queue",
                "/api/stories",
                "/api/jobs",
                "/api/users",
                "/api/tasks",
            ]
            asyncio.run(_load(port, token, paths, 4, 1.0))  # warm up: imports, caches, connections
            rss_start = _rss_kib(server.pid)
            wall = time.perf_counter()
            latencies, errors = asyncio.run(_load(port, token, paths, args.clients, seconds))
            wall = time.perf_counter() - wall
            rss_end = _rss_kib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=15)

    every = [v for values in latencies.values() for v in values]
    total, failed = len(every), sum(errors.values())
    print(f"{args.clients} clients, {seconds:.0f} s, loopback, scripted backend, API token")
    print(f"{'endpoint':44} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for path in latencies:
        values = latencies[path]
        print(
            f"{path:44} {len(values):8d} {_pct(values, 0.5):8.1f} {_pct(values, 0.99):8.1f} {errors[path]:6d}"
        )
    p50, p99 = _pct(every, 0.5), _pct(every, 0.99)
    store = [v for path, values in latencies.items() if path != "/api/health" for v in values]
    health_p99 = _pct(latencies["/api/health"], 0.99)
    print(f"requests={total} errors={failed} rps={total / wall:.0f}")
    print(f"p50_ms={p50:.1f} p99_ms={p99:.1f} mean_ms={statistics.fmean(every):.1f}")
    print(f"p99_ratio_vs_health={_pct(store, 0.99) / health_p99:.2f}x")
    print(f"rss_start_mib={rss_start / 1024:.1f} rss_end_mib={rss_end / 1024:.1f}")
    met = "met" if p99 < TARGET_P99_MS and failed == 0 else "NOT met"
    print(f"target p99 < {TARGET_P99_MS:.0f} ms with 0 errors: {met}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
