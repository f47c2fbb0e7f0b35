"""Orchestration overhead per node: agentcharts against LangGraph, Strands Agents and the floor.

Every round builds each framework's graph afresh (not timed), then times one invocation;
the frameworks run one after the other in the same process and event loop, in an order
that rotates each round, so the ratios compare runs made under the same load. Figures are
medians over the rounds; a ratio is the median of the per-round ratios.

Usage: ``python benchmarks/bench_overhead.py [--sizes 10,100,1000] [--kinds function,agent]``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import time
from typing import TYPE_CHECKING, Any

from _common import median, print_table, ratio, rotate, save_results, scale_reps, time_async
from _shapes import KINDS, SHAPES, floor_runner, floor_taskgroup_runner, node_count

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

REPS = {10: 15, 100: 7, 1000: 3}
"""Rounds per size (scaled by ``BENCH_REPS_SCALE``)."""


def _builders() -> tuple[dict[str, Any], dict[str, str]]:
    """Every contender that can be imported here, and why the others cannot."""
    builders: dict[str, Any] = {}
    missing: dict[str, str] = {}
    for name, module in (
        ("agentcharts", "_ours"),
        ("langgraph", "_langgraph"),
        ("strands", "_strands"),
    ):
        try:
            builders[name] = importlib.import_module(module).build
        except ImportError as error:
            missing[name] = f"not importable here ({error.name}); run benchmarks/run_all.sh"
    builders["floor_gather"] = lambda shape, _kind, n: floor_runner(shape, n)
    builders["floor_tasks"] = lambda shape, _kind, n: floor_taskgroup_runner(shape, n)
    return builders, missing


async def _round(  # noqa: PLR0917 - one round's whole configuration
    builders: dict[str, Any],
    names: list[str],
    shape: str,
    kind: str,
    n: int,
    errors: dict[str, str],
) -> dict[str, float]:
    times: dict[str, float] = {}
    expected = node_count(shape, n)
    for name in names:
        if name in errors:
            continue
        try:
            run: Callable[[], Awaitable[int]] = builders[name](shape, kind, n)
            seconds, done = await time_async(run)
        except Exception as error:  # a peer that cannot run a size is reported, not fatal
            errors[name] = f"{type(error).__name__}: {str(error)[:160]}"
            continue
        if done != expected:
            errors[name] = f"completed {done} of {expected} nodes"
            continue
        times[name] = seconds
    return times


async def measure(sizes: list[int], kinds: list[str], shapes: list[str]) -> list[dict[str, Any]]:
    builders, missing = _builders()
    names = list(builders)
    for name in names:  # warm every framework up once (imports, caches)
        await builders[name]("chain", "agent_tool", 3)()
    rows = []
    for n in sizes:
        for kind in kinds:
            for shape in shapes:
                errors: dict[str, str] = {}
                samples: dict[str, list[float]] = {name: [] for name in names}
                started = time.monotonic()
                reps = scale_reps(REPS.get(n, 3))
                for rep in range(reps):
                    times = await _round(builders, rotate(names, rep), shape, kind, n, errors)
                    for name, seconds in times.items():
                        samples[name].append(seconds)
                nodes = node_count(shape, n)
                row: dict[str, Any] = {
                    "shape": shape,
                    "kind": kind,
                    "n": n,
                    "nodes": nodes,
                    "reps": reps,
                    "us_per_node": {k: median(v) * 1e6 / nodes for k, v in samples.items() if v},
                    "samples_s": samples,
                    "errors": {**errors, **missing},
                    "wall_s": time.monotonic() - started,
                }
                ours = samples.get("agentcharts", [])
                row["ratio"] = {
                    f"agentcharts/{k}": ratio(ours, v)
                    for k, v in samples.items()
                    if v and k != "agentcharts"
                }
                rows.append(row)
                _print_row(row)
    return rows


def _print_row(row: dict[str, Any]) -> None:
    per = row["us_per_node"]
    parts = ", ".join(f"{k} {v:,.1f}" for k, v in per.items())
    print(f"{row['shape']:6} {row['kind']:10} N={row['n']:<5} µs/node: {parts}", flush=True)
    for name, error in row["errors"].items():
        print(f"    {name}: {error}", flush=True)


def report(rows: list[dict[str, Any]]) -> None:
    header = [
        "shape",
        "kind",
        "N",
        "agentcharts µs/node",
        "langgraph µs/node",
        "strands µs/node",
        "floor gather µs/node",
        "floor tasks µs/node",
        "ours/langgraph",
        "ours/strands",
        "ours/floor tasks",
    ]
    table = []
    for row in rows:
        per, rat = row["us_per_node"], row["ratio"]
        table.append(
            [
                row["shape"],
                row["kind"],
                row["n"],
                per.get("agentcharts", float("nan")),
                per.get("langgraph", float("nan")),
                per.get("strands", float("nan")),
                per.get("floor_gather", float("nan")),
                per.get("floor_tasks", float("nan")),
                _times(rat.get("agentcharts/langgraph")),
                _times(rat.get("agentcharts/strands")),
                _times(rat.get("agentcharts/floor_tasks")),
            ]
        )
    print_table(
        "Orchestration overhead per node (median µs; ratio = median of per-round ratios)",
        header,
        table,
    )
    failures = [(r["shape"], r["kind"], r["n"], k, v) for r in rows for k, v in r["errors"].items()]
    if failures:
        print_table("What could not run", ["shape", "kind", "N", "framework", "why"], failures)


def _times(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.2f}x"  # noqa: PLR0124


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--shapes", default=",".join(SHAPES))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = asyncio.run(measure(sizes, args.kinds.split(","), args.shapes.split(",")))
    report(rows)
    path = save_results("overhead", {"rows": rows})
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()
