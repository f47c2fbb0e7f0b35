"""
Acquire/release throughput of ConcurrencyRegistry beside threading.Semaphore and asyncio.Semaphore.

Run: ``python benchmarks/bench_concurrency.py [--repeat N] [--scale F]``. Every scenario runs
the same workload on the registry and on the standard primitive, in the same process, and
reports the median over the repetitions and the ratio of the times (registry / stdlib).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from typing import TYPE_CHECKING

from agentcharts.runtime.concurrency import ConcurrencyRegistry

if TYPE_CHECKING:
    from collections.abc import Callable

NAME = "bench"


def timed(fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# ---------------------------------------------------------------- uncontended, one thread


def sync_registry(ops: int) -> Callable[[], None]:
    registry = ConcurrencyRegistry()
    registry.set_limit(NAME, 10)

    def run() -> None:
        acquire = registry.acquire_sync
        for _ in range(ops):
            acquire(NAME).release()

    return run


def sync_semaphore(ops: int) -> Callable[[], None]:
    semaphore = threading.Semaphore(10)

    def run() -> None:
        for _ in range(ops):
            semaphore.acquire()
            semaphore.release()

    return run


def async_registry(ops: int) -> Callable[[], None]:
    async def main() -> None:
        registry = ConcurrencyRegistry()
        registry.set_limit(NAME, 10)
        for _ in range(ops):
            (await registry.acquire(NAME)).release()

    return lambda: asyncio.run(main())


def async_semaphore(ops: int) -> Callable[[], None]:
    async def main() -> None:
        semaphore = asyncio.Semaphore(10)
        for _ in range(ops):
            await semaphore.acquire()
            semaphore.release()

    return lambda: asyncio.run(main())


# ---------------------------------------------------------------- contended


def threads_registry(ops: int, threads: int = 4, limit: int = 2) -> Callable[[], None]:
    registry = ConcurrencyRegistry()
    registry.set_limit(NAME, limit)

    def work() -> None:
        acquire = registry.acquire_sync
        for _ in range(ops // threads):
            acquire(NAME).release()

    return lambda: run_threads(work, threads)


def threads_semaphore(ops: int, threads: int = 4, limit: int = 2) -> Callable[[], None]:
    semaphore = threading.Semaphore(limit)

    def work() -> None:
        for _ in range(ops // threads):
            semaphore.acquire()
            semaphore.release()

    return lambda: run_threads(work, threads)


def run_threads(work: Callable[[], None], count: int) -> None:
    pool = [threading.Thread(target=work) for _ in range(count)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def tasks_registry(ops: int, tasks: int = 50, limit: int = 2) -> Callable[[], None]:
    async def work(registry: ConcurrencyRegistry) -> None:
        for _ in range(ops // tasks):
            permit = await registry.acquire(NAME)
            await asyncio.sleep(0)
            permit.release()

    async def main() -> None:
        registry = ConcurrencyRegistry()
        registry.set_limit(NAME, limit)
        async with asyncio.TaskGroup() as group:
            for _ in range(tasks):
                group.create_task(work(registry))

    return lambda: asyncio.run(main())


def tasks_semaphore(ops: int, tasks: int = 50, limit: int = 2) -> Callable[[], None]:
    async def work(semaphore: asyncio.Semaphore) -> None:
        for _ in range(ops // tasks):
            await semaphore.acquire()
            await asyncio.sleep(0)
            semaphore.release()

    async def main() -> None:
        semaphore = asyncio.Semaphore(limit)
        async with asyncio.TaskGroup() as group:
            for _ in range(tasks):
                group.create_task(work(semaphore))

    return lambda: asyncio.run(main())


SCENARIOS = [
    (
        "uncontended, 1 thread, limit 10",
        sync_registry,
        sync_semaphore,
        "threading.Semaphore",
        200_000,
    ),
    (
        "uncontended, 1 task, limit 10",
        async_registry,
        async_semaphore,
        "asyncio.Semaphore",
        200_000,
    ),
    (
        "contended, 4 threads, limit 2",
        threads_registry,
        threads_semaphore,
        "threading.Semaphore",
        100_000,
    ),
    ("contended, 50 tasks, limit 2", tasks_registry, tasks_semaphore, "asyncio.Semaphore", 50_000),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per measurement")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the operation counts")
    args = parser.parse_args()

    rows = []
    for title, ours, theirs, baseline, base_ops in SCENARIOS:
        ops = max(int(base_ops * args.scale), 100)
        ours_times, theirs_times = [], []
        for _ in range(args.repeat):  # interleaved so drift affects both alike
            ours_times.append(timed(ours(ops)))
            theirs_times.append(timed(theirs(ops)))
        ours_median = statistics.median(ours_times)
        theirs_median = statistics.median(theirs_times)
        rows.append(
            (
                title,
                ops,
                ops / ours_median,
                baseline,
                ops / theirs_median,
                ours_median / theirs_median,
            )
        )

    header = ("scenario", "ops", "registry ops/s", "baseline", "baseline ops/s", "time ratio")
    lines = [
        header,
        *[
            (title, f"{ops:,}", f"{ours:,.0f}", baseline, f"{theirs:,.0f}", f"{ratio:.2f}x")
            for title, ops, ours, baseline, theirs, ratio in rows
        ],
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print(f"median of {args.repeat} runs; time ratio = registry time / baseline time")
    for index, line in enumerate(lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    main()
