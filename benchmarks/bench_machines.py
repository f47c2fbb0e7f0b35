"""The cost of the lifecycle machines: what python-statemachine costs, and how often we pay it.

Three parts:

1. Micro costs on this machine: instantiating a plain ``StateChart`` (fresh, or restored at
   a state), one transition, and the same for our ``NodeLifecycle`` / ``ToolCallLifecycle``
   as the runtime builds them (bound to a subject, with or without a transition recorder).
2. Counts: ``Lifecycle.__init__`` and ``Lifecycle.fire`` are wrapped (here, not in src) to
   count machine instantiations and transitions per kind, and the time spent in them,
   while graphs of function nodes, agent nodes and agent-with-one-tool-call nodes run.
3. Cheaper ways to use the library, each checked to end in the same states and to record
   the same transitions as the current way, and timed on the same per-node sequence.

Usage: ``python benchmarks/bench_machines.py``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any, ClassVar, Self

from _common import median, print_table, ratio, rotate, save_results, scale_reps
from _ours import build
from statemachine import State, StateChart

from agentcharts.machines import NodeLifecycle, ToolCallLifecycle, TransitionRecorder
from agentcharts.machines._base import Lifecycle
from agentcharts.schemas.status import Status

# ---------------------------------------------------------------------------- subjects


class Subject:
    """A subject for any lifecycle: holds the status, answers the guards."""

    def __init__(self, status: Any = None) -> None:
        self.status = status

    def slot_held(self) -> bool:
        return True

    def retry_allowed(self, error_kind: str = "error") -> bool:
        del error_kind
        return False


class Plain(StateChart):  # type: ignore[type-arg]
    """A plain five-state chart with no callbacks, as in the reference measurements."""

    allow_event_without_transition = False
    catch_errors_as_events = False
    pending = State(initial=True)
    executing = State()
    interrupted = State()
    completed = State(final=True)
    failed = State(final=True)
    start = pending.to(executing)
    interrupt = executing.to(interrupted)
    resume = interrupted.to(executing)
    complete = executing.to(completed)
    fail = executing.to(failed)


def _per_op(fn: Any, number: int) -> float:
    """Median over 5 batches of the µs per call of ``fn``."""
    batches = []
    for _ in range(scale_reps(5)):
        started = time.perf_counter()
        for _ in range(number):
            fn()
        batches.append((time.perf_counter() - started) / number * 1e6)
    return statistics.median(batches)


# ---------------------------------------------------------------------------- part 1


class Holder:
    """A bare model for the plain chart (``state`` preset to restore it)."""

    def __init__(self, state: str | None = None) -> None:
        self.state = state


class Listening:
    """A listener with one callback, like the recorder was."""

    def after_transition(self, event: str, source: Any, target: Any) -> None:
        del event, source, target


def _fresh_tool(subject: Any) -> ToolCallLifecycle:
    """A tool call machine built the way it was before (fresh activation)."""
    machine = ToolCallLifecycle.__new__(ToolCallLifecycle)
    machine.machine_id = "t"
    machine._recorder = None  # noqa: SLF001 - rebuilding the old construction
    StateChart.__init__(machine, model=subject, state_field="status")
    return machine


def micro(rounds: int = 7, batch: int = 100) -> list[tuple[str, float]]:
    """
    Instantiation and transition costs, in µs per operation, measured in interleaved rounds.

    A transition is timed alone: the machines are built first (not timed), then each gets
    one event.
    """
    recorder = TransitionRecorder(keep=False)
    listener = Listening()

    def build(factory: Any) -> tuple[Any, Any]:
        return (lambda: None), (lambda _: factory())

    def send(factory: Any, event: str, method: str = "send") -> tuple[Any, Any]:
        return factory, (lambda machine: getattr(machine, method)(event))

    def tool_call(factory: Any) -> tuple[Any, Any]:
        def run(_: Any) -> None:
            machine = factory(Subject())
            machine.fire("start")
            machine.fire("succeed")

        return (lambda: None), run

    def node(cls: type[NodeLifecycle]) -> Any:
        return lambda: cls(Subject(), machine_id="n", recorder=recorder)

    cases: list[tuple[str, tuple[Any, Any]]] = [
        ("StateChart, 5 states: instantiate, fresh (activates the initial state)", build(Plain)),
        (
            "StateChart: instantiate, restored (model state preset)",
            build(lambda: Plain(model=Holder("pending"))),
        ),
        (
            "StateChart: instantiate, fresh, one listener",
            build(lambda: Plain(listeners=[listener])),
        ),
        ("StateChart: one transition (send)", send(Plain, "start")),
        (
            "StateChart: one transition, one listener",
            send(lambda: Plain(listeners=[listener]), "start"),
        ),
        ("NodeLifecycle + recorder, before: instantiate", build(node(OldNode))),
        ("NodeLifecycle + recorder, now: instantiate", build(node(NodeLifecycle))),
        (
            "NodeLifecycle + recorder, before: one fire() (guarded start)",
            send(node(OldNode), "start", "fire"),
        ),
        (
            "NodeLifecycle + recorder, now: one fire() (guarded start)",
            send(node(NodeLifecycle), "start", "fire"),
        ),
        ("ToolCallLifecycle, before: build + start + succeed", tool_call(_fresh_tool)),
        (
            "ToolCallLifecycle, now: build + start + succeed",
            tool_call(lambda s: ToolCallLifecycle(s, machine_id="t")),
        ),
    ]
    samples: dict[str, list[float]] = {name: [] for name, _ in cases}
    for index in range(scale_reps(rounds)):
        for name, (setup, op) in rotate(cases, index):
            prepared = [setup() for _ in range(batch)]
            started = time.perf_counter()
            for item in prepared:
                op(item)
            samples[name].append((time.perf_counter() - started) / batch * 1e6)
    return [(name, median(values)) for name, values in samples.items()]


# ---------------------------------------------------------------------------- part 2


class Counter:
    """Wraps ``Lifecycle.__init__`` and ``Lifecycle.fire`` to count calls and time them."""

    def __init__(self) -> None:
        self.inits: dict[str, int] = {}
        self.fires: dict[str, int] = {}
        self.seconds = 0.0
        self._init = Lifecycle.__init__
        self._fire = Lifecycle.fire

    def __enter__(self) -> Self:
        counter = self
        original_init, original_fire = self._init, self._fire

        def init(machine: Lifecycle, *args: Any, **kwargs: Any) -> None:
            started = time.perf_counter()
            try:
                original_init(machine, *args, **kwargs)
            finally:
                counter.seconds += time.perf_counter() - started
                counter.inits[machine.kind] = counter.inits.get(machine.kind, 0) + 1

        def fire(machine: Lifecycle, event: str, **kwargs: Any) -> None:
            started = time.perf_counter()
            try:
                original_fire(machine, event, **kwargs)
            finally:
                counter.seconds += time.perf_counter() - started
                counter.fires[machine.kind] = counter.fires.get(machine.kind, 0) + 1

        Lifecycle.__init__ = init  # type: ignore[method-assign]
        Lifecycle.fire = fire  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        Lifecycle.__init__ = self._init  # type: ignore[method-assign]
        Lifecycle.fire = self._fire  # type: ignore[method-assign]


async def counts(n: int = 100) -> list[dict[str, Any]]:
    """Machines and transitions per node for each node kind, and their share of the time."""
    rows = []
    for kind in ("function", "agent", "agent_tool"):
        walls, shares = [], []
        counted: Counter | None = None
        for _ in range(scale_reps(3)):
            run = build("chain", kind, n)
            with Counter() as counter:
                started = time.perf_counter()
                await run()
                wall = time.perf_counter() - started
            walls.append(wall)
            shares.append(counter.seconds / wall)
            counted = counter
        assert counted is not None
        tools = n if kind == "agent_tool" else 0
        rows.append(
            {
                "kind": kind,
                "n": n,
                "inits_per_node": {k: v / n for k, v in counted.inits.items()},
                "fires_per_node": {k: v / n for k, v in counted.fires.items()},
                "tool_calls": tools,
                "us_per_node": median(walls) * 1e6 / n,
                "machine_share": median(shares),
            }
        )
    return rows


async def interrupt_flow_counts() -> dict[str, Any]:
    """Machines and transitions of one agent node that interrupts and is resumed, with a store."""
    from agentcharts import (  # noqa: PLC0415
        Agent,
        GraphBuilder,
        MemorySessionStore,
        ScriptedModel,
        ToolContext,
        tool,
    )

    @tool(context=True)
    def approve(tool_context: ToolContext) -> str:
        """Ask a human."""
        return str(tool_context.interrupt("approval"))

    model = ScriptedModel([[{"name": "approve", "input": {}}], "done"])
    agent = Agent(name="agent", model=model, tools=[approve])
    graph = GraphBuilder().add_node(agent, "agent").set_session(MemorySessionStore(), "s").build()
    with Counter() as first:
        result = await graph.invoke_async("task")
    answer = [{"interruptResponse": {"interruptId": result.interrupts[0].id, "response": "ok"}}]
    with Counter() as second:
        done = await graph.invoke_async(answer)
    assert done.status is Status.COMPLETED
    return {
        "invoke_to_interrupt": {"inits": first.inits, "fires": first.fires},
        "resume_to_completion": {"inits": second.inits, "fires": second.fires},
    }


# ---------------------------------------------------------------------------- part 3


class OldNode(NodeLifecycle):
    """The way before this benchmark: fresh activation, and the recorder as a listener."""

    def __init__(
        self, subject: Any, *, machine_id: str, recorder: TransitionRecorder | None = None
    ) -> None:
        self.machine_id = machine_id
        self._recorder = None  # fire() must not record: the listener does
        listeners = [recorder] if recorder is not None else []
        StateChart.__init__(self, model=subject, state_field="status", listeners=listeners)


class FreshDirectNode(NodeLifecycle):
    """Fresh activation of the initial state, the recorder called by ``fire``."""

    def __init__(
        self, subject: Any, *, machine_id: str, recorder: TransitionRecorder | None = None
    ) -> None:
        self.machine_id = machine_id
        self._recorder = recorder
        StateChart.__init__(self, model=subject, state_field="status")


class RestoredListenerNode(OldNode):
    """Restored at the initial state, the recorder as a listener."""

    def __init__(
        self, subject: Any, *, machine_id: str, recorder: TransitionRecorder | None = None
    ) -> None:
        if subject.status is None:
            subject.status = Status.PENDING
        super().__init__(subject, machine_id=machine_id, recorder=recorder)


class AtomicNode(NodeLifecycle):
    """The current way, plus ``atomic_configuration_update = True`` (the StateMachine default)."""

    atomic_configuration_update = True


class NoEntriesNode(NodeLifecycle):
    """The current way, plus ``enable_self_transition_entries = False``."""

    enable_self_transition_entries = False


def _node_sequence(cls: type[NodeLifecycle], recorder: TransitionRecorder) -> Any:
    subject = Subject()
    machine = cls(subject, machine_id="n", recorder=recorder)
    machine.fire("start")
    machine.fire("complete")
    return subject.status


class TableNode:
    """
    Not a way of using the library at run time, for scale: the transitions of the declared
    ``NodeLifecycle`` class, read once into a table; ``fire`` looks up (state, event), asks
    the guard, sets the status and records. The class stays the single source of truth.
    """

    kind = "node"
    table: ClassVar[dict[tuple[Any, str], list[tuple[str | None, Any, Any]]]] = {}

    def __init__(
        self, subject: Any, *, machine_id: str, recorder: TransitionRecorder | None = None
    ) -> None:
        if not TableNode.table:
            for state in NodeLifecycle.states:
                for transition in state.transitions:
                    guards = [str(c) for c in transition.cond]
                    for event in transition.events:
                        TableNode.table.setdefault((state.value, str(event)), []).append(
                            (guards[0] if guards else None, state, transition.target)
                        )
        if subject.status is None:
            subject.status = Status.PENDING
        self.subject = subject
        self.machine_id = machine_id
        self.recorder = recorder

    def fire(self, event: str, **kwargs: Any) -> None:
        for guard, source, target in self.table.get((self.subject.status, event), ()):
            if guard is None or getattr(self.subject, guard)(**kwargs):
                self.subject.status = target.value
                if self.recorder is not None:
                    self.recorder.after_transition(event, source, target, self)
                return
        raise RuntimeError(f"{event} not allowed")


CANDIDATES: tuple[tuple[str, type[NodeLifecycle]], ...] = (
    ("before: fresh activation, recorder as a listener", OldNode),
    ("fresh activation, recorder called by fire", FreshDirectNode),
    ("restored at the initial state, recorder as a listener", RestoredListenerNode),
    ("now (_base.py): restored at the initial state + recorder called by fire", NodeLifecycle),
    ("now + atomic_configuration_update = True", AtomicNode),
    ("now + enable_self_transition_entries = False", NoEntriesNode),
    ("for scale: a transition table read from the class, no engine", TableNode),  # type: ignore[list-item]
)


def candidates(rounds: int = 9, batch: int = 60) -> list[dict[str, Any]]:
    """Time one node's machine work for each candidate, interleaved; check each is correct."""
    for name, cls in CANDIDATES:
        recorder = TransitionRecorder(keep=True)
        status = _node_sequence(cls, recorder)
        trace = [(r.machine, r.machine_id, r.source, r.event, r.target) for r in recorder.records]
        assert status is Status.COMPLETED, (name, status)
        expected = [
            ("node", "n", "pending", "start", "executing"),
            ("node", "n", "executing", "complete", "completed"),
        ]
        assert trace == expected, (name, trace)

    subject = Subject()
    reused = NodeLifecycle(subject, machine_id="n", recorder=TransitionRecorder(keep=False))
    reused.fire("start")
    reused.fire("complete")

    def reuse() -> None:  # a revisit cycle: revisit, start, complete (count the 2 of a run)
        reused.fire("revisit")
        reused.fire("start")
        reused.fire("complete")

    quiet = TransitionRecorder(keep=False)
    contenders: list[tuple[str, Any, float]] = [
        (name, (lambda cls=cls: _node_sequence(cls, quiet)), 1.0) for name, cls in CANDIDATES
    ]
    contenders.append(
        (
            "reuse one machine per node across executions (no build; 2 of 3 transitions)",
            reuse,
            2 / 3,
        )
    )

    samples: dict[str, list[float]] = {name: [] for name, _, _ in contenders}
    for index in range(scale_reps(rounds)):
        for name, fn, weight in rotate(contenders, index):
            started = time.perf_counter()
            for _ in range(batch):
                fn()
            samples[name].append((time.perf_counter() - started) / batch * 1e6 * weight)
    current = samples[CANDIDATES[0][0]]
    rows = []
    for name, _, _ in contenders:
        rows.append(
            {
                "candidate": name,
                "us_per_node": median(samples[name]),
                "vs_before": ratio(samples[name], current),
            }
        )
    return rows


def main() -> None:
    micro_rows = micro()
    print_table("python-statemachine and lifecycle micro costs", ["operation", "µs/op"], micro_rows)
    count_rows = asyncio.run(counts())
    print_table(
        "Machines per node execution (chain of 100 nodes; wrapped Lifecycle.__init__/fire)",
        [
            "node kind",
            "machines built / node",
            "transitions / node",
            "node µs (wall)",
            "share in machines",
        ],
        [
            [
                r["kind"],
                ", ".join(f"{k} {v:g}" for k, v in sorted(r["inits_per_node"].items())),
                ", ".join(f"{k} {v:g}" for k, v in sorted(r["fires_per_node"].items())),
                r["us_per_node"],
                f"{r['machine_share'] * 100:.0f}%",
            ]
            for r in count_rows
        ],
    )
    flow = asyncio.run(interrupt_flow_counts())
    print_table(
        "One agent node that interrupts, then is resumed (MemorySessionStore)",
        ["invocation", "machines built", "transitions"],
        [
            [
                name,
                ", ".join(f"{k} {v}" for k, v in sorted(counted["inits"].items())),
                ", ".join(f"{k} {v}" for k, v in sorted(counted["fires"].items())),
            ]
            for name, counted in flow.items()
        ],
    )
    candidate_rows = candidates()
    print_table(
        "Cheaper ways to use the library (one node's machine work: build + start + complete)",
        ["candidate", "µs per node", "vs before"],
        [[r["candidate"], r["us_per_node"], f"{r['vs_before']:.2f}x"] for r in candidate_rows],
    )
    path = save_results(
        "machines", {"micro": micro_rows, "counts": count_rows, "candidates": candidate_rows}
    )
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()
