"""Helpers shared by the benchmark scripts: timing, medians, tables, machine facts, results."""

from __future__ import annotations

import gc
import json
import os
import pathlib
import platform
import statistics
import sys
import time
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Sequence

__all__ = [
    "RESULTS",
    "machine_info",
    "median",
    "print_table",
    "ratio",
    "rotate",
    "save_results",
    "scale_reps",
    "time_async",
    "time_sync",
    "versions",
]

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
"""Where each benchmark writes its figures as JSON (gitignored)."""


def median(values: Iterable[float]) -> float:
    """Return the median of some figures (``nan`` when there are none)."""
    data = list(values)
    return statistics.median(data) if data else float("nan")


def ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """Return the median of the per-round ratios ``a[i] / b[i]`` (rounds measured together)."""
    pairs = [a / b for a, b in zip(numerators, denominators, strict=False) if b > 0]
    return median(pairs)


def rotate(items: Sequence[Any], offset: int) -> list[Any]:
    """Rotate a list, so that each round runs the contenders in a different order."""
    if not items:
        return []
    k = offset % len(items)
    return [*items[k:], *items[:k]]


def scale_reps(reps: int) -> int:
    """Scale a repetition count by ``BENCH_REPS_SCALE`` (at least one)."""
    scale = float(os.environ.get("BENCH_REPS_SCALE", "1"))
    return max(1, round(reps * scale))


async def time_async(
    run: Callable[[], Awaitable[Any]], *, collect: bool = True
) -> tuple[float, Any]:
    """Await ``run()`` once, after a full collection if ``collect``; return (seconds, value)."""
    if collect:
        gc.collect()
    started = time.perf_counter()
    value = await run()
    return time.perf_counter() - started, value


def time_sync(run: Callable[[], Any], *, number: int = 1) -> float:
    """Call ``run()`` ``number`` times after a full collection; return seconds per call."""
    gc.collect()
    started = time.perf_counter()
    for _ in range(number):
        run()
    return (time.perf_counter() - started) / number


def _cpu_model() -> str:
    try:
        text = pathlib.Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def versions(*names: str) -> dict[str, str]:
    """Return the installed version of each distribution (``"absent"`` when missing)."""
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def machine_info() -> dict[str, Any]:
    """Describe the machine and interpreter the figures were measured on."""
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": versions(
            "agentcharts",
            "python-statemachine",
            "attrs",
            "cattrs",
            "langgraph",
            "langchain-core",
            "strands-agents",
        ),
    }


def save_results(name: str, payload: dict[str, Any]) -> pathlib.Path:
    """Write a benchmark's figures (and the machine's description) to ``results/<name>.json``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {"machine": machine_info(), **payload}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def print_table(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print a markdown table, right-aligning numbers."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [len(h) for h in header]
    for row in cells:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(value))
    print(f"\n### {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        padded = [
            v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths, strict=True)
        ]
        print("| " + " | ".join(padded) + " |")
    sys.stdout.flush()


def _numeric(text: str) -> bool:
    stripped = text.replace(",", "").replace("x", "").replace("%", "").strip()
    try:
        float(stripped)
    except ValueError:
        return False
    return True


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # noqa: PLR0124 - nan check
            return "n/a"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)
