#!/usr/bin/env bash
# Install whatever is missing and run every test: lint, types, the unmarked suite, the store on a
# real PostgreSQL, the real-model tests, and the quick benchmarks. A missing service fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

install_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
  fi
}

# Debian's Chromium (and CJK fonts for its screenshots) for the browser tests; never `playwright install`.
install_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  fi
}

# apt runs beside the Python install (which may compile llama-cpp-python); one apt at a time.
apt_log=$(mktemp)
{ install_postgres && install_chromium; } >"$apt_log" 2>&1 &
apt_pid=$!
phase "python environment" ensure_venv
# torch on its own first: this exact pin is the CPU build; resolved among other packages it could be a CUDA one.
phase "torch (CPU build)" "$VENV/bin/python" -m pip install -q --disable-pip-version-check torch==2.13.0
phase "zhimei, extras and test tools" pip_install '.[all,dev,server]'
phase "model packs" "$VENV/bin/zhimei" models install
phase "postgresql and chromium install (waited)" wait "$apt_pid" || { cat "$apt_log" >&2; echo "installing postgresql or chromium failed" >&2; exit 1; }

eval "$(scripts/pg-throwaway.sh start)"
trap 'scripts/pg-throwaway.sh stop "$ZHIMEI_TEST_PG_DIR"' EXIT

export PATH="$VENV/bin:$PATH"
phase "ruff" ruff check src tests benchmarks
phase "mypy" mypy
phase "import layers" lint-imports
phase "unit tests (unmarked)" pytest -q -m "not model and not postgres and not browser and not cli and not slow"
phase "slow tests (API fuzzing, kill -9)" pytest -q -m "slow and not model and not postgres and not browser and not cli"
phase "command-line tests (subprocesses)" pytest -q -m cli
phase "browser tests (headless Chromium)" pytest -q -m browser
phase "store tests on PostgreSQL" pytest -q -m postgres
phase "model tests (real embedded models)" pytest -q -m model
phase "benchmarks --quick" python benchmarks/run_all.py --quick
report_phases
