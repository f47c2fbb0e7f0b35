"""The lifecycle engines side by side: python-statemachine's (the reference) and the compiled one.

Three parts, each measured on both engines in one run, alternating round by round:

1. Micro costs: binding a ``NodeLifecycle`` to a subject, one guarded transition, a node's
   whole machine work (bind + start + complete, with a transition recorder), and a tool
   call's (bind + start + succeed).
2. Per node in a running graph: a chain of 100 nodes of each kind, run with each engine
   selected; ``bind`` and every machine's ``fire`` are counted (wrapped here, not in src).
3. The memory one bound machine holds.

Usage: ``python benchmarks/bench_machines.py``.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from typing import Any, Self

from _common import median, print_table, rotate, save_results, scale_reps
from _ours import build

from agentcharts.machines import (
    ENGINES,
    CompiledMachine,
    Lifecycle,
    NodeLifecycle,
    ToolCallLifecycle,
    TransitionRecorder,
    bind,
    set_engine,
)


class Subject:
    """A subject for any lifecycle: holds the status, answers the guards."""

    def __init__(self) -> None:
        self.status: Any = None

    def slot_held(self) -> bool:
        return True

    def retry_allowed(self, error_kind: str = "error") -> bool:
        del error_kind
        return True


def _per_op(fn: Any, number: int) -> float:
    started = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - started) / number


def _operations(recorder: TransitionRecorder) -> dict[str, Any]:
    def bind_node() -> None:
        bind(NodeLifecycle, Subject(), machine_id="n", recorder=recorder)

    ready = [bind(NodeLifecycle, Subject(), machine_id="n", recorder=recorder)]

    def one_fire() -> None:
        machine = ready.pop()
        machine.fire("start")

    def node_work() -> None:
        machine = bind(NodeLifecycle, Subject(), machine_id="n", recorder=recorder)
        machine.fire("start")
        machine.fire("complete")

    def tool_work() -> None:
        machine = bind(ToolCallLifecycle, Subject(), machine_id="t", recorder=recorder)
        machine.fire("start")
        machine.fire("succeed")

    return {
        "bind a NodeLifecycle": bind_node,
        "one guarded fire (start)": (one_fire, ready),
        "node: bind + start + complete": node_work,
        "tool call: bind + start + succeed": tool_work,
    }


def micro(rounds: int = 7, batch: int = 300) -> dict[str, dict[str, float]]:
    """Median µs per operation on each engine."""
    samples: dict[str, dict[str, list[float]]] = {e: {} for e in ENGINES}
    for rep in range(scale_reps(rounds)):
        for engine in rotate(list(ENGINES), rep):
            previous = set_engine(engine)
            try:
                recorder = TransitionRecorder(keep=False)
                for name, operation in _operations(recorder).items():
                    if isinstance(operation, tuple):
                        fn, pool = operation
                        pool.clear()
                        pool.extend(
                            bind(NodeLifecycle, Subject(), machine_id="n", recorder=recorder)
                            for _ in range(batch)
                        )
                    else:
                        fn = operation
                    samples[engine].setdefault(name, []).append(_per_op(fn, batch) * 1e6)
            finally:
                set_engine(previous)
    return {e: {k: median(v) for k, v in by.items()} for e, by in samples.items()}


class Counting:
    """Counts binds and transitions while it is entered (wraps both engines' entry points)."""

    def __init__(self) -> None:
        self.binds = 0
        self.fires = 0
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> Self:
        import agentcharts.machines._engine as engine_module  # noqa: PLC0415

        counter = self
        original_bind = engine_module.bind

        def counted_bind(*args: Any, **kwargs: Any) -> Any:
            counter.binds += 1
            return original_bind(*args, **kwargs)

        for cls in (CompiledMachine, Lifecycle):
            original = cls.fire

            def fire(machine: Any, event: str, _original: Any = original, **kw: Any) -> None:
                counter.fires += 1
                _original(machine, event, **kw)

            self._saved.append((cls, "fire", original))
            cls.fire = fire  # type: ignore[method-assign]
        import agentcharts.runtime.graph._run as run_module  # noqa: PLC0415
        import agentcharts.runtime.interrupts as interrupts_module  # noqa: PLC0415
        import agentcharts.runtime.tools._calls as calls_module  # noqa: PLC0415

        for module in (run_module, interrupts_module, calls_module):
            self._saved.append((module, "bind", module.bind))
            module.bind = counted_bind  # type: ignore[attr-defined]
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)


async def per_node(n: int = 100, rounds: int = 5) -> list[dict[str, Any]]:
    """A chain of n nodes of each kind on each engine: µs per node, binds and fires per node."""
    rows = []
    for kind in ("function", "agent", "agent_tool"):
        times: dict[str, list[float]] = {e: [] for e in ENGINES}
        counts: dict[str, tuple[float, float]] = {}
        runners = {}
        for engine in ENGINES:
            previous = set_engine(engine)
            runners[engine] = build("chain", kind, n)
            set_engine(previous)
        for rep in range(scale_reps(rounds)):
            for engine in rotate(list(ENGINES), rep):
                previous = set_engine(engine)
                try:
                    await runners[engine]()
                    started = time.perf_counter()
                    await runners[engine]()
                    times[engine].append((time.perf_counter() - started) * 1e6 / n)
                    if engine not in counts:
                        with Counting() as counting:
                            await runners[engine]()
                        counts[engine] = (counting.binds / n, counting.fires / n)
                finally:
                    set_engine(previous)
        for engine in ENGINES:
            binds, fires = counts[engine]
            rows.append(
                {
                    "kind": kind,
                    "engine": engine,
                    "us_per_node": median(times[engine]),
                    "binds_per_node": binds,
                    "fires_per_node": fires,
                }
            )
    return rows


def machine_bytes(count: int = 1000) -> dict[str, float]:
    """The bytes one bound NodeLifecycle holds on each engine (its subject excluded)."""
    figures = {}
    for engine in ENGINES:
        previous = set_engine(engine)
        subjects = [Subject() for _ in range(count)]
        bind(NodeLifecycle, Subject(), machine_id="warm")
        tracemalloc.start()
        try:
            machines = [bind(NodeLifecycle, s, machine_id="m") for s in subjects]
            held, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            set_engine(previous)
        figures[engine] = held / len(machines)
    return figures


def main() -> None:
    costs = micro()
    names = list(costs["compiled"])
    print_table(
        "Lifecycle engines: micro costs (median µs)",
        ["operation", "reference (python-statemachine)", "compiled", "reference/compiled"],
        [
            [
                name,
                costs["reference"][name],
                costs["compiled"][name],
                f"{costs['reference'][name] / costs['compiled'][name]:.0f}x",
            ]
            for name in names
        ],
    )
    rows = asyncio.run(per_node())
    print_table(
        "A chain of 100 nodes on each engine (median µs per node; binds and fires per node)",
        ["node kind", "engine", "µs / node", "binds / node", "fires / node"],
        [
            [r["kind"], r["engine"], r["us_per_node"], r["binds_per_node"], r["fires_per_node"]]
            for r in rows
        ],
    )
    memory = machine_bytes()
    print_table(
        "Memory held by one bound NodeLifecycle (bytes)",
        ["engine", "bytes"],
        [[k, v] for k, v in memory.items()],
    )
    path = save_results("machines", {"micro_us": costs, "per_node": rows, "bytes": memory})
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()
