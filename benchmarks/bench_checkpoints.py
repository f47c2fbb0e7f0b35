"""What the journal costs: writes, bytes and time of a graph run with a SQLite session.

Two graphs of 1,000 function nodes each return a 1 KB text (kept in the session, so the
state grows by about 1 KB per node): a fan-out (one root, 1,000 parallel children) and a
chain of 1,000. Each is built twice, once with a ``SQLiteSessionStore`` (durability
``"sync"``, the default) and once without a store, and warmed; every round runs both, in an
order that rotates, each run a new task on the same session. The store is wrapped to count
its writes and the bytes each one sends (snapshots, journal entries, compactions).

Reported, per shape: median wall time with and without the store and their ratio (target:
at most 1.5x); writes per run; bytes written per run against the session's final stored
size (target: at most 3x); and, for chains of 100 and 1,000 nodes, the store's cost per node
(with minus without, divided by N), whose ratio says whether a checkpoint step is flat in N.

Usage: ``python benchmarks/bench_checkpoints.py`` (``QUICK=1`` for fewer rounds).
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import tempfile
import time
from typing import Any

from _common import median, print_table, rotate, save_results, scale_reps

from agentcharts import GraphBuilder, SQLiteSessionStore, Status

ROUNDS = 3 if os.environ.get("QUICK") else 7
OUTPUT = "x" * 1024


class CountingStore:
    """Delegates to a real store; counts writes and the bytes each one sends."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.writes = 0
        self.bytes = 0

    def reset(self) -> None:
        self.writes = self.bytes = 0

    def load(self, session_id: str) -> Any:
        return self.inner.load(session_id)

    def save(self, session_id: str, document: str, *, expected_version: int | None) -> int:
        self.writes += 1
        self.bytes += len(document.encode())
        return int(self.inner.save(session_id, document, expected_version=expected_version))

    def append(self, session_id: str, entries: Any, *, expected_version: int) -> int:
        self.writes += 1
        self.bytes += sum(len(e.encode()) for e in entries)
        return int(self.inner.append(session_id, entries, expected_version=expected_version))

    def compact(self, session_id: str, document: str, *, version: int) -> None:
        self.writes += 1
        self.bytes += len(document.encode())
        self.inner.compact(session_id, document, version=version)

    def delete(self, session_id: str, *, expected_version: int | None = None) -> None:
        self.inner.delete(session_id, expected_version=expected_version)

    def list_sessions(self) -> Any:
        return self.inner.list_sessions()

    def exists(self, session_id: str) -> bool:
        return bool(self.inner.exists(session_id))


def build(shape: str, n: int, store: CountingStore | None) -> Any:
    builder = GraphBuilder()

    def work(state: Any) -> str:
        del state
        return OUTPUT

    if shape == "fanout":
        builder.add_node(work, "root")
        for i in range(n):
            builder.add_node(work, f"n{i}").add_edge("root", f"n{i}")
    else:
        for i in range(n):
            builder.add_node(work, f"n{i}")
            if i:
                builder.add_edge(f"n{i - 1}", f"n{i}")
    if n > 1000:
        builder.set_max_node_executions(n + 1)
    if store is not None:
        builder.set_session(store, f"{shape}-{n}")
    return builder.build()


async def run_once(graph: Any, task: str) -> float:
    started = time.perf_counter()
    result = await graph.invoke_async(task)
    elapsed = time.perf_counter() - started
    assert result.status is Status.COMPLETED, result.error
    return elapsed * 1e3


async def measure(shape: str, n: int, directory: pathlib.Path) -> dict[str, Any]:
    store = CountingStore(SQLiteSessionStore(directory / f"{shape}-{n}.db"))
    graphs = {"sqlite": build(shape, n, store), "none": build(shape, n, None)}
    for graph in graphs.values():  # warm up
        await run_once(graph, "warm")
    times: dict[str, list[float]] = {name: [] for name in graphs}
    writes, written, final = [], [], []
    for rep in range(scale_reps(ROUNDS)):
        for name in rotate(list(graphs), rep):
            store.reset()
            times[name].append(await run_once(graphs[name], f"task {rep}"))
            if name == "sqlite":
                writes.append(store.writes)
                written.append(store.bytes)
                (info,) = [i for i in store.list_sessions() if i.session_id == f"{shape}-{n}"]
                final.append(info.size_bytes)
    store.inner.close()
    with_store, without = median(times["sqlite"]), median(times["none"])
    return {
        "with_store_ms": with_store,
        "without_store_ms": without,
        "ratio": with_store / without,
        "writes": median(writes),
        "bytes_written": median(written),
        "final_bytes": median(final),
        "bytes_ratio": median(written) / median(final),
        "store_us_per_node": (with_store - without) * 1e3 / n,
    }


async def measure_all() -> dict[str, Any]:
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for shape, n in (("fanout", 1000), ("chain", 1000), ("chain", 100)):
            found[f"{shape}-{n}"] = await measure(shape, n, pathlib.Path(folder))
    return found


def main() -> None:
    found = asyncio.run(measure_all())
    rows = [
        [
            key,
            f["with_store_ms"],
            f["without_store_ms"],
            f"{f['ratio']:.2f}x",
            f["writes"],
            f"{f['bytes_written'] / 1e6:.2f}",
            f"{f['final_bytes'] / 1e6:.2f}",
            f"{f['bytes_ratio']:.2f}x",
            f["store_us_per_node"],
        ]
        for key, f in found.items()
    ]
    print_table(
        "A run with a SQLite session (durability sync) against none (medians)",
        [
            "graph",
            "with store ms",
            "no store ms",
            "time ratio",
            "writes",
            "MB written",
            "MB stored",
            "bytes ratio",
            "store µs/node",
        ],
        rows,
    )
    flat = found["chain-1000"]["store_us_per_node"] / found["chain-100"]["store_us_per_node"]
    print(f"\nstore cost per node, chain of 1,000 / chain of 100: {flat:.2f}")
    found["flat_ratio"] = flat
    path = save_results("checkpoints", found)
    print(f"figures written to {path}")


if __name__ == "__main__":
    main()
