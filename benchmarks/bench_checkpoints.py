"""Interrupt and resume latency of one agent node, and the cost of checkpoints as state grows.

Part 1 (latency): a graph with one agent node whose tool asks a human. Timed, per store
(none, memory, file, SQLite):

- *interrupt to result*: from the moment the tool calls ``tool_context.interrupt()`` to
  the moment ``invoke_async`` returns ``INTERRUPTED`` (checkpoints included);
- *resume to completion*: from calling ``invoke_async(responses)`` on the same graph to
  ``COMPLETED``;
- *resume in a fresh graph*: building the graph anew (as another process would) and
  resuming from the store alone: build + load + run.

Part 2 (checkpoint cost): a chain of 100 function nodes, each returning a 1 KB text (its
output is kept in the session, so the state grows by about 1 KB per node). The store is
wrapped to time every ``save`` and to keep each document's size; ``dump_session`` is
wrapped to time serialization. Reported: time per write and document size as the state
grows, the bytes the session occupies on disk at the end, and a least-squares fit of
document size against completed nodes, which must be linear in what the state holds, while
the bytes on disk must stay near one document (not the sum of all writes).

Usage: ``python benchmarks/bench_checkpoints.py``.
"""

from __future__ import annotations

import asyncio
import pathlib
import tempfile
import time
from typing import Any

from _common import median, print_table, rotate, save_results, scale_reps

from agentcharts import (
    Agent,
    FileSessionStore,
    GraphBuilder,
    MemorySessionStore,
    ScriptedModel,
    SQLiteSessionStore,
    Status,
    ToolContext,
    tool,
)
from agentcharts.runtime.graph import _graph as graph_module

# ---------------------------------------------------------------------------- stores


class TimedStore:
    """Delegates to a real store; times each save and keeps each document's size."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.saves: list[tuple[float, int]] = []
        self.loads: list[float] = []

    def load(self, session_id: str) -> Any:
        started = time.perf_counter()
        try:
            return self.inner.load(session_id)
        finally:
            self.loads.append(time.perf_counter() - started)

    def save(self, session_id: str, document: str, *, expected_version: int | None) -> int:
        started = time.perf_counter()
        version = self.inner.save(session_id, document, expected_version=expected_version)
        self.saves.append((time.perf_counter() - started, len(document.encode("utf-8"))))
        return int(version)

    def delete(self, session_id: str, *, expected_version: int | None = None) -> None:
        self.inner.delete(session_id, expected_version=expected_version)

    def list_sessions(self) -> Any:
        return self.inner.list_sessions()

    def exists(self, session_id: str) -> bool:
        return bool(self.inner.exists(session_id))


def make_store(kind: str, folder: pathlib.Path) -> Any:
    if kind == "memory":
        return MemorySessionStore()
    if kind == "file":
        return FileSessionStore(folder / "sessions")
    return SQLiteSessionStore(folder / "sessions.db")


def disk_bytes(kind: str, folder: pathlib.Path) -> dict[str, int]:
    """The bytes a store's files occupy: session files, or the database and its WAL."""
    if kind == "file":
        return {
            "files": sum(p.stat().st_size for p in (folder / "sessions").iterdir() if p.is_file())
        }
    if kind == "sqlite":
        found = {
            p.name: p.stat().st_size for p in folder.iterdir() if p.name.startswith("sessions.db")
        }
        return {"db": found.get("sessions.db", 0), "wal": found.get("sessions.db-wal", 0)}
    return {}


# ---------------------------------------------------------------------------- part 1


class Stamp:
    """When the tool last asked a human."""

    asked = 0.0


def interrupting_graph(store: Any | None, stamp: Stamp) -> Any:
    @tool(context=True)
    def approve(tool_context: ToolContext) -> str:
        """Ask a human for approval."""
        stamp.asked = time.perf_counter()
        return f"approved: {tool_context.interrupt('approval', reason='go?')}"

    model = ScriptedModel([[{"name": "approve", "input": {}}], "done"])
    agent = Agent(name="agent", model=model, tools=[approve])
    builder = GraphBuilder().add_node(agent, "agent")
    if store is not None:
        builder.set_session(store, "bench")
    return builder.build()


async def latency_round(kind: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        store = None if kind == "none" else make_store(kind, folder)
        stamp = Stamp()
        graph = interrupting_graph(store, stamp)
        started = time.perf_counter()
        result = await graph.invoke_async("task")
        returned = time.perf_counter()
        asked = stamp.asked  # the resumed tool runs again and stamps anew
        assert result.status is Status.INTERRUPTED
        responses = [
            {"interruptResponse": {"interruptId": result.interrupts[0].id, "response": "yes"}}
        ]
        resume_started = time.perf_counter()
        done = await graph.invoke_async(responses)
        resumed = time.perf_counter()
        assert done.status is Status.COMPLETED, done.error
        figures = {
            "invoke_to_interrupted_ms": (returned - started) * 1e3,
            "interrupt_to_result_ms": (returned - asked) * 1e3,
            "resume_to_completion_ms": (resumed - resume_started) * 1e3,
        }
        if store is not None and kind != "memory":
            first = interrupting_graph(store, Stamp())
            await first.invoke_async("task")  # a new run of the session, up to its interrupt
            # a fresh graph object resumes it from the store alone
            fresh_started = time.perf_counter()
            fresh = interrupting_graph(make_store(kind, folder), Stamp())
            pending = first.pending_interrupts[0].id
            again = [{"interruptResponse": {"interruptId": pending, "response": "yes"}}]
            finished = await fresh.invoke_async(again)
            figures["fresh_graph_resume_ms"] = (time.perf_counter() - fresh_started) * 1e3
            assert finished.status is Status.COMPLETED, finished.error
            if kind == "sqlite":
                store.close()
        return figures


async def latency(rounds: int = 25) -> list[dict[str, Any]]:
    kinds = ["none", "memory", "file", "sqlite"]
    samples: dict[str, dict[str, list[float]]] = {k: {} for k in kinds}
    for kind in kinds:
        await latency_round(kind)  # warm up
    for index in range(scale_reps(rounds)):
        for kind in rotate(kinds, index):
            for key, value in (await latency_round(kind)).items():
                samples[kind].setdefault(key, []).append(value)
    rows = []
    for kind in kinds:
        row: dict[str, Any] = {"store": kind}
        row.update({key: median(values) for key, values in samples[kind].items()})
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- part 2

KB = "x" * 1024


def growing_graph(store: Any, n: int) -> Any:
    builder = GraphBuilder()
    for index in range(n):

        async def node(state: Any) -> str:
            del state
            return KB

        builder.add_node(node, f"n{index}")
        if index:
            builder.add_edge(f"n{index - 1}", f"n{index}")
    return builder.set_session(store, "growth").build()


async def growth_round(kind: str, n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        store = TimedStore(make_store(kind, folder))
        dumps: list[float] = []
        original = graph_module.dump_session

        def timed_dump(record: Any) -> str:
            started = time.perf_counter()
            try:
                return original(record)
            finally:
                dumps.append(time.perf_counter() - started)

        graph_module.dump_session = timed_dump  # type: ignore[assignment]
        try:
            graph = growing_graph(store, n)
            result = await graph.invoke_async("task")
        finally:
            graph_module.dump_session = original  # type: ignore[assignment]
        assert result.status is Status.COMPLETED, result.error
        on_disk = disk_bytes(kind, folder)
        if kind == "sqlite":
            store.inner.close()
        return {"saves": store.saves, "dumps": dumps, "disk_bytes": on_disk}


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares ``y = a + b x``; return (a, b, largest relative residual)."""
    count = len(xs)
    mean_x, mean_y = sum(xs) / count, sum(ys) / count
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    intercept = mean_y - slope * mean_x
    worst = max(abs(y - (intercept + slope * x)) / y for x, y in zip(xs, ys, strict=True))
    return intercept, slope, worst


async def growth(n: int = 100, rounds: int = 5) -> list[dict[str, Any]]:
    kinds = ["file", "sqlite", "memory"]
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    for index in range(scale_reps(rounds)):
        for kind in rotate(kinds, index):
            runs[kind].append(await growth_round(kind, n))
    rows = []
    for kind in kinds:
        writes = len(runs[kind][0]["saves"])
        save_ms = [median(r["saves"][i][0] for r in runs[kind]) * 1e3 for i in range(writes)]
        dump_ms = [median(r["dumps"][i] for r in runs[kind]) * 1e3 for i in range(writes)]
        sizes = [runs[kind][0]["saves"][i][1] for i in range(writes)]
        # write i (1-based) after the graph started: write 1 is the start, write k+1 follows node k
        nodes_done = list(range(writes))
        nodes_done[-1] = n  # the last write settles the graph after node n
        node_writes = [(k, s) for k, s in zip(nodes_done[1:-1], sizes[1:-1], strict=True)]
        a, b, worst = _fit([float(k) for k, _ in node_writes], [float(s) for _, s in node_writes])
        at = {k: i for i, k in enumerate(nodes_done) if 0 < i < writes - 1}
        rows.append(
            {
                "store": kind,
                "writes": writes,
                "save_ms_at": {k: save_ms[at[k]] for k in (1, 10, 50, 100) if k in at},
                "dump_ms_at": {k: dump_ms[at[k]] for k in (1, 10, 50, 100) if k in at},
                "bytes_at": {k: sizes[at[k]] for k in (1, 10, 50, 100) if k in at},
                "save_ms_median": median(save_ms),
                "final_document_bytes": sizes[-1],
                "sum_of_writes_bytes": sum(sizes),
                "disk_bytes": runs[kind][-1]["disk_bytes"],
                "fit_bytes": {"intercept": a, "per_node": b, "worst_residual": worst},
            }
        )
    return rows


def main() -> None:
    latency_rows = asyncio.run(latency())
    print_table(
        "One agent node: interrupt and resume latency (median ms)",
        [
            "store",
            "invoke → interrupted",
            "interrupt → result",
            "resume → completed",
            "fresh graph: build + load + resume",
        ],
        [
            [
                r["store"],
                r["invoke_to_interrupted_ms"],
                r["interrupt_to_result_ms"],
                r["resume_to_completion_ms"],
                r.get("fresh_graph_resume_ms", float("nan")),
            ]
            for r in latency_rows
        ],
    )
    growth_rows = asyncio.run(growth())
    print_table(
        "Checkpoints as the state grows (100 nodes, 1 KB output each; median ms per write)",
        [
            "store",
            "writes",
            "save ms @1 / @10 / @50 / @100 nodes",
            "dump_session ms @1 / @100",
            "document KB @1 / @50 / @100",
            "bytes per node (fit)",
            "worst fit residual",
            "on disk KB (file, or SQLite db + WAL)",
            "sum of all writes KB",
        ],
        [
            [
                r["store"],
                r["writes"],
                " / ".join(f"{v:.2f}" for v in r["save_ms_at"].values()),
                f"{r['dump_ms_at'][1]:.2f} / {r['dump_ms_at'][100]:.2f}",
                " / ".join(f"{r['bytes_at'][k] / 1024:.1f}" for k in (1, 50, 100)),
                r["fit_bytes"]["per_node"],
                f"{r['fit_bytes']['worst_residual'] * 100:.1f}%",
                " + ".join(f"{v / 1024:.0f}" for v in r["disk_bytes"].values()) or "-",
                r["sum_of_writes_bytes"] / 1024,
            ]
            for r in growth_rows
        ],
    )
    path = save_results("checkpoints", {"latency": latency_rows, "growth": growth_rows})
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()
