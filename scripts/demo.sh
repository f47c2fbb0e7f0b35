#!/usr/bin/env bash
# Install agentcharts into ./.venv and run the main job on the embedded defaults (no network):
# the seed's weather graph (examples/weather.yaml) end to end, answering its prompt on the
# command line, then show the stored session and write its diagram.
# Extra arguments go to `agentcharts run` (for example --tool-timeout 5); set
# AGENTCHARTS_STORE to keep the session somewhere other than ./.agentcharts/sessions.db.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[yaml]"

session="weather-demo-$(date +%Y%m%d-%H%M%S)"

echo "== agentcharts run examples/weather.yaml --respond weather_approval=Seattle"
.venv/bin/agentcharts run examples/weather.yaml --session "$session" \
  --respond weather_approval=Seattle "$@"

echo
echo "== agentcharts sessions show $session"
.venv/bin/agentcharts sessions show "$session"

echo
echo "== agentcharts diagram $session --format md -o .agentcharts/$session.md"
.venv/bin/agentcharts diagram "$session" --format md -o ".agentcharts/$session.md"
cat ".agentcharts/$session.md"
