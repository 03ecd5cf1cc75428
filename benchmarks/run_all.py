"""Run every benchmark (each ``bench_*.py`` beside this file) and print one summary table of their ratios.

    python benchmarks/run_all.py [--quick] [--only NAME] [--skip NAME] [--timeout SECONDS]

Each benchmark prints its figures as ``name=value``; the summary keeps those that compare against a
baseline measured in the same run (ratios, speed-ups, "_vs_" figures) and the headline rates
(compliance, recall, precision, ungrounded), plus each benchmark's status and wall time. Exit status 1
if any benchmark failed or timed out.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIGURE = re.compile(r"\b([a-z_0-9]+)=([-+0-9.]+x?)")
# Figure names that make the summary: comparisons against a baseline, and headline rates.
SUMMARY_KEYS = ("ratio", "speedup", "_vs_", "compliance", "ungrounded", "recall", "precision")


def benchmarks() -> list[str]:
    """Every benchmark script, in name order."""
    return sorted(p.name for p in HERE.glob("bench_*.py"))


def summary_figures(stdout: str) -> list[tuple[str, str]]:
    """The (name, value) figures of one benchmark's output that belong in the summary, first of each name."""
    seen: dict[str, str] = {}
    for line in stdout.splitlines():
        for name, value in FIGURE.findall(line):
            if any(k in name for k in SUMMARY_KEYS) and name not in seen:
                seen[name] = value
    return list(seen.items())


def _run(script: str, quick: bool, timeout: float | None) -> tuple[str, str, float]:
    cmd = [sys.executable, str(HERE / script), *(["--quick"] if quick else [])]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        sys.stdout.write(out)
        return "timeout", out, time.perf_counter() - start
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr[-4000:])
    return (
        ("ok" if proc.returncode == 0 else f"failed ({proc.returncode})"),
        proc.stdout,
        time.perf_counter() - start,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small inputs, for CI")
    ap.add_argument("--only", action="append", default=[], help="run only this benchmark (repeatable)")
    ap.add_argument("--skip", action="append", default=[], help="skip this benchmark (repeatable)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds one benchmark may take")
    args = ap.parse_args()

    def wanted(script: str) -> bool:
        names = {script, script.removesuffix(".py"), script.removeprefix("bench_").removesuffix(".py")}
        return (not args.only or bool(names & set(args.only))) and not names & set(args.skip)

    rows: list[tuple[str, str, str, str]] = []
    failed = []
    for script in filter(wanted, benchmarks()):
        print(f"==> {script}", flush=True)
        status, stdout, seconds = _run(script, args.quick, args.timeout)
        if status != "ok":
            failed.append(script)
        rows.append((script, "status", status, f"{seconds:.0f}s"))
        rows.extend((script, name, value, "") for name, value in summary_figures(stdout))
    widths = [max(len(r[i]) for r in [("benchmark", "figure", "value", "time"), *rows]) for i in range(4)]
    print("\n==> summary")
    for row in [("benchmark", "figure", "value", "time"), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
