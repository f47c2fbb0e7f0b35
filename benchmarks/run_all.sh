#!/usr/bin/env bash
# Run every benchmark and print its tables; the one command behind docs/performance.md.
#
# The peers (LangGraph, Strands Agents) are installed only into the benchmarks' own virtual
# environment, benchmarks/.venv-peers (gitignored), never as dependencies of agentcharts;
# agentcharts is installed there in editable mode, so the figures are of this work tree.
#
#   bash benchmarks/run_all.sh            # everything (about 10 to 20 minutes on 2 cores)
#   QUICK=1 bash benchmarks/run_all.sh    # N = 10 and 100 only, fewer rounds
#
# Environment: PYTHON (the interpreter that creates the venv, default python3),
# BENCH_REPS_SCALE (multiplies every repetition count), QUICK.
# The figures are also written as JSON to benchmarks/results/ (gitignored), and the whole
# output to benchmarks/results/run_all.txt.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$here/.venv-peers"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
if ! "$venv/bin/python" -c "import agentcharts, langgraph, langgraph.checkpoint.sqlite, strands" 2>/dev/null; then
  echo "installing agentcharts (editable), langgraph, its SQLite saver and strands-agents into $venv"
  "$venv/bin/python" -m pip install --quiet -e "$root" langgraph langgraph-checkpoint-sqlite strands-agents
fi

overhead_args=()
if [ "${QUICK:-0}" = "1" ]; then
  export BENCH_REPS_SCALE="${BENCH_REPS_SCALE:-0.4}"
  overhead_args=(--sizes 10,100)
fi

mkdir -p "$here/results"
cd "$here"
{
  "$venv/bin/python" - <<'EOF'
import json
from _common import machine_info
print("## Machine\n")
print(json.dumps(machine_info(), indent=2))
EOF
  for script in bench_*.py; do
    echo
    echo "## $script"
    if [ "$script" = "bench_overhead.py" ]; then
      "$venv/bin/python" "$script" "${overhead_args[@]}"
    else
      "$venv/bin/python" "$script"
    fi
  done
} 2>&1 | tee "$here/results/run_all.txt"
