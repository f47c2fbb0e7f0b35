#!/usr/bin/env bash
# Install agentcharts into ./.venv and run the main job on the embedded defaults (no network).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/agentcharts lifecycles "$@"
