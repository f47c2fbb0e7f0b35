"""Orchestration overhead per node: agentcharts against LangGraph, Strands Agents and the floor.

Measured the way an application runs a graph: each framework's graph is built once (not
timed) and warmed with two invocations; then every round times ``INNER[n]`` invocations of
each framework, one framework after the other in the same process and event loop, in an
order that rotates each round, so the ratios compare runs made under the same load. No
``gc.collect()`` runs between invocations: collection is part of what each framework
costs. A framework's figure is the median over all its timed invocations; a ratio is the
median of the per-round ratios of the rounds' medians.

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

REPS = {10: 7, 100: 5, 1000: 5}
"""Rounds per size (scaled by ``BENCH_REPS_SCALE``)."""
INNER = {10: 20, 100: 4, 1000: 1}
"""Timed invocations per framework per round."""
WARM = 2
"""Untimed invocations of each built graph before the first round."""


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


async def _build(  # noqa: PLR0917 - one measurement's whole configuration
    builders: dict[str, Any],
    names: list[str],
    shape: str,
    kind: str,
    n: int,
    errors: dict[str, str],
) -> dict[str, Callable[[], Awaitable[int]]]:
    """Build each framework's graph once and warm it; a framework that fails is reported."""
    runners = {}
    expected = node_count(shape, n)
    for name in names:
        try:
            run: Callable[[], Awaitable[int]] = builders[name](shape, kind, n)
            for _ in range(WARM):
                done = await run()
        except Exception as error:  # a peer that cannot run a size is reported, not fatal
            errors[name] = f"{type(error).__name__}: {str(error)[:160]}"
            continue
        if done != expected:
            errors[name] = f"completed {done} of {expected} nodes"
            continue
        runners[name] = run
    return runners


async def _round(
    runners: dict[str, Callable[[], Awaitable[int]]], names: list[str], inner: int
) -> dict[str, list[float]]:
    """Time ``inner`` invocations of each framework, in the order given."""
    times: dict[str, list[float]] = {}
    for name in names:
        run = runners[name]
        for _ in range(inner):
            seconds, _done = await time_async(run, collect=False)
            times.setdefault(name, []).append(seconds)
    return times


async def measure(sizes: list[int], kinds: list[str], shapes: list[str]) -> list[dict[str, Any]]:
    builders, missing = _builders()
    names = list(builders)
    rows = []
    for n in sizes:
        for kind in kinds:
            for shape in shapes:
                errors: dict[str, str] = {}
                started = time.monotonic()
                runners = await _build(builders, names, shape, kind, n, errors)
                samples: dict[str, list[float]] = {name: [] for name in runners}
                round_medians: dict[str, list[float]] = {name: [] for name in runners}
                reps = scale_reps(REPS.get(n, 3))
                inner = INNER.get(n, 1)
                for rep in range(reps):
                    times = await _round(runners, rotate(list(runners), rep), inner)
                    for name, seconds in times.items():
                        samples[name].extend(seconds)
                        round_medians[name].append(median(seconds))
                nodes = node_count(shape, n)
                row: dict[str, Any] = {
                    "shape": shape,
                    "kind": kind,
                    "n": n,
                    "nodes": nodes,
                    "reps": reps,
                    "inner": inner,
                    "us_per_node": {k: median(v) * 1e6 / nodes for k, v in samples.items() if v},
                    "samples_s": samples,
                    "errors": {**errors, **missing},
                    "wall_s": time.monotonic() - started,
                }
                ours = round_medians.get("agentcharts", [])
                row["ratio"] = {
                    f"agentcharts/{k}": ratio(ours, v)
                    for k, v in round_medians.items()
                    if v and k != "agentcharts"
                }
                rows.append(row)
                _print_row(row)
                del runners
    return rows


async def scaling(kinds: list[str], shapes: list[str], rounds: int = 7) -> list[dict[str, Any]]:
    """Ours at N = 100 and N = 1000, interleaved round by round: per-node cost ratio."""
    from _ours import build  # noqa: PLC0415 - ours is always importable

    rows = []
    for kind in kinds:
        for shape in shapes:
            small, large = build(shape, kind, 100), build(shape, kind, 1000)
            for run in (small, large):
                for _ in range(WARM):
                    await run()
            ratios, small_us, large_us = [], [], []
            for _ in range(scale_reps(rounds)):
                times = [(await time_async(small, collect=False))[0] for _ in range(INNER[100])]
                per_small = median(times) / node_count(shape, 100)
                per_large = (await time_async(large, collect=False))[0] / node_count(shape, 1000)
                small_us.append(per_small * 1e6)
                large_us.append(per_large * 1e6)
                ratios.append(per_large / per_small)
            row = {
                "kind": kind,
                "shape": shape,
                "us_per_node_100": median(small_us),
                "us_per_node_1000": median(large_us),
                "ratio_1000_over_100": median(ratios),
            }
            rows.append(row)
            print(
                f"{shape:6} {kind:10} 100: {row['us_per_node_100']:.1f} µs/node, "
                f"1000: {row['us_per_node_1000']:.1f} µs/node, "
                f"ratio {row['ratio_1000_over_100']:.2f}",
                flush=True,
            )
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
    kinds, shapes = args.kinds.split(","), args.shapes.split(",")
    rows = asyncio.run(measure(sizes, kinds, shapes))
    report(rows)
    grown: list[dict[str, Any]] = []
    if 100 in sizes and 1000 in sizes:
        grown = asyncio.run(scaling(kinds, shapes))
        print_table(
            "agentcharts at N = 1000 against N = 100, interleaved (median µs per node)",
            ["shape", "kind", "N=100", "N=1000", "1000/100"],
            [
                [
                    g["shape"],
                    g["kind"],
                    g["us_per_node_100"],
                    g["us_per_node_1000"],
                    _times(g["ratio_1000_over_100"]),
                ]
                for g in grown
            ],
        )
    path = save_results("overhead", {"rows": rows, "scaling": grown})
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()
