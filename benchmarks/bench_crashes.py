"""Random kills: the crash kit of ``tests/reliability`` with SIGKILL at random moments.

The graph is the kit's (``a -> (b, c, n) -> d``: b is answered mid-run, n is a nested graph,
d the fan-in). Per embedded store (file, SQLite), ``TRIALS`` times: a child process runs the
graph to completion, answering b, and is killed with ``SIGKILL`` after a random delay drawn
uniformly from 0 to 1.2 times a clean run's duration (so some kills land after the end).
A fresh graph in this process then finishes the run from the store alone, and each trial
must end with:

- the run ``COMPLETED``, every node completed and in the execution order exactly once;
- no node skipped: the fan-in d ran with the outputs of b, c and n;
- the human asked at most twice (twice only if the kill landed before the answer's write);
- every side effect at least once, none more than twice.

Reported: trials, kills that landed mid-run, and trials that broke a rule (must be 0).

Usage: ``python benchmarks/bench_crashes.py`` (``TRIALS=100`` by default).
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import random
import signal
import sys
import tempfile
import time
from typing import Any

from _common import print_table, save_results

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "reliability"))

from reliability_helpers import (
    EFFECTS,
    NODES,
    context,
    read_asks,
    read_effects,
    recover,
    run_to_completion,
)

from agentcharts import Status

TRIALS = int(os.environ.get("TRIALS", "100"))


def clean_run_seconds(kind: str, folder: pathlib.Path) -> float:
    started = time.perf_counter()
    child = context().Process(
        target=run_to_completion, args=(kind, str(folder), str(folder / "effects"), 0, "never")
    )
    child.start()
    child.join(60)
    assert child.exitcode == 0, child.exitcode
    return time.perf_counter() - started


def trial(kind: str, folder: pathlib.Path, delay: float) -> tuple[bool, list[str]]:
    """One random kill and its recovery; return (killed mid-run, broken rules)."""
    effects = folder / "effects.txt"
    child = context().Process(
        target=run_to_completion, args=(kind, str(folder), str(effects), 0, "never")
    )
    child.start()
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):  # it may have finished meanwhile
        os.kill(child.pid, signal.SIGKILL)
    child.join(60)
    killed = child.exitcode == -signal.SIGKILL
    record, _ = recover(kind, folder, effects)
    broken = []
    graph = record.graph
    if graph.status is not Status.COMPLETED:
        broken.append(f"status {graph.status.value}: {graph.error}")
    if sorted(graph.execution_order) != sorted(NODES):
        broken.append(f"execution order {graph.execution_order}")
    if tuple(sorted(graph.nodes["d"].inputs)) != ("b", "c", "n"):
        broken.append(f"fan-in inputs {graph.nodes['d'].inputs}")
    asks = read_asks(effects)
    if len(set(asks)) != 1 or len(asks) > 2:
        broken.append(f"asked {asks}")
    done = [node for node, _ in read_effects(effects)]
    counts = {node: done.count(node) for node in EFFECTS}
    if any(not 1 <= c <= 2 for c in counts.values()):
        broken.append(f"side effects {counts}")
    return killed, broken


def main() -> None:
    rng = random.Random(14)
    found: dict[str, Any] = {}
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for kind in ("file", "sqlite"):
            base = pathlib.Path(root) / kind
            for warm in ("warm", "clean"):  # the first run also starts the fork server
                (base / warm).mkdir(parents=True)
                duration = clean_run_seconds(kind, base / warm)
            mid_run = 0
            failures: list[tuple[int, list[str]]] = []
            for index in range(TRIALS):
                folder = base / f"t{index}"
                folder.mkdir()
                killed, broken = trial(kind, folder, rng.uniform(0, 1.2 * duration))
                mid_run += killed
                if broken:
                    failures.append((index, broken))
                if (index + 1) % 25 == 0:
                    print(f"{kind}: {index + 1}/{TRIALS} trials", file=sys.stderr)
            found[kind] = {
                "trials": TRIALS,
                "killed_mid_run": mid_run,
                "broken": failures,
                "clean_run_s": duration,
            }
            rows.append([kind, TRIALS, mid_run, len(failures), f"{duration * 1e3:.0f}"])
    print_table(
        "Random SIGKILLs of the crash kit's graph, then recovery from the store alone",
        ["store", "trials", "killed mid-run", "trials breaking a rule", "clean run ms"],
        rows,
    )
    for kind, figures in found.items():
        for index, broken in figures["broken"]:
            print(f"{kind} trial {index}: {'; '.join(broken)}")
    path = save_results("crashes", found)
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()
