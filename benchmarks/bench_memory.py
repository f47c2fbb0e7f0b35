"""Memory per node: the tracemalloc peak of one run of a warm fan-out, per node.

Each framework's fan-out of function nodes (``src -> w0..w{N-1} -> join``) is built once
and run twice untraced; then ``tracemalloc`` is started and the graph run once more, and
the peak of memory allocated during that run (above what was allocated before it) is
divided by the number of nodes. What a run keeps afterwards (its result, the nodes' state
for a snapshot) is reported too: the traced memory still held when the run has returned.
Each figure is the median over ``ROUNDS`` traced runs; frameworks alternate.

Also measured: the memory one bound lifecycle machine holds, on each engine.

Usage: ``python benchmarks/bench_memory.py [--sizes 100,1000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import tracemalloc
from typing import Any

from _common import median, print_table, rotate, save_results, scale_reps
from _shapes import node_count
from bench_machines import machine_bytes

ROUNDS = 5


def _builders() -> tuple[dict[str, Any], dict[str, str]]:
    builders, missing = {}, {}
    for name, module in (
        ("agentcharts", "_ours"),
        ("langgraph", "_langgraph"),
        ("strands", "_strands"),
    ):
        try:
            builders[name] = importlib.import_module(module).build
        except ImportError as error:
            missing[name] = f"not importable here ({error.name}); run benchmarks/run_all.sh"
    return builders, missing


async def _traced(run: Any) -> tuple[int, int]:
    """Run once under tracemalloc; return (peak, still held) in bytes above the start."""
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        result = await run()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak - base, held - base


async def fanout(sizes: list[int]) -> list[dict[str, Any]]:
    builders, missing = _builders()
    rows = []
    for n in sizes:
        runners = {}
        for name, build in builders.items():
            run = build("fanout", "function", n)
            for _ in range(2):
                await run()
            runners[name] = run
        peaks: dict[str, list[float]] = {name: [] for name in runners}
        helds: dict[str, list[float]] = {name: [] for name in runners}
        nodes = node_count("fanout", n)
        for rep in range(scale_reps(ROUNDS)):
            for name in rotate(list(runners), rep):
                peak, held = await _traced(runners[name])
                peaks[name].append(peak / nodes)
                helds[name].append(held / nodes)
        row = {
            "n": n,
            "nodes": nodes,
            "peak_bytes_per_node": {k: median(v) for k, v in peaks.items()},
            "held_bytes_per_node": {k: median(v) for k, v in helds.items()},
            "missing": missing,
        }
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000")
    args = parser.parse_args()
    rows = asyncio.run(fanout([int(s) for s in args.sizes.split(",")]))
    table = []
    for row in rows:
        for name in row["peak_bytes_per_node"]:
            peak = row["peak_bytes_per_node"][name] / 1024
            held = row["held_bytes_per_node"][name] / 1024
            table.append([row["n"], name, peak, held])
    print_table(
        "Fan-out of function nodes: tracemalloc peak and held memory per node (median KB)",
        ["N", "framework", "peak KB/node", "held after the run KB/node"],
        table,
    )
    machines = machine_bytes()
    print_table(
        "One bound NodeLifecycle machine (bytes, subject excluded)",
        ["engine", "bytes"],
        [[k, v] for k, v in machines.items()],
    )
    for name, why in rows[0]["missing"].items():
        print(f"{name}: {why}")
    path = save_results("memory", {"fanout": rows, "machine_bytes": machines})
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()
