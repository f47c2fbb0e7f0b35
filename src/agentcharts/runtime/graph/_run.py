"""The mutable state of one graph run, and the subjects its lifecycle machines drive."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from agentcharts.machines._engine import bind
from agentcharts.machines.graph import GraphLifecycle
from agentcharts.machines.node import NodeLifecycle
from agentcharts.runtime.interrupts import InterruptLedger
from agentcharts.schemas.messages import NO_USAGE
from agentcharts.schemas.records import (
    AgentSnapshot,
    GraphSnapshot,
    NodeOutput,
    NodeSnapshot,
    Timings,
)
from agentcharts.schemas.status import Status

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from agentcharts.machines._base import TransitionRecorder
    from agentcharts.machines._engine import Machine
    from agentcharts.runtime.concurrency._registry import HeldSlot
    from agentcharts.runtime.graph._executors import NodeExecutor
    from agentcharts.schemas.trace import TransitionRecord

__all__ = ["TASK_INPUT", "NodeRun", "RunState"]

TASK_INPUT = "__task__"
"""The pending input that starts an entry point: the task itself."""


class NodeRun:
    """One node's state during a run; the subject of its ``NodeLifecycle``."""

    def __init__(
        self,
        node_id: str,
        executor: NodeExecutor,
        *,
        snapshot: NodeSnapshot | None,
        recorder: TransitionRecorder | None,
        needs_slot: bool,
    ) -> None:
        """
        Build a node's run state, restoring it from a snapshot when given.

        Args:
            node_id: The node's id.
            executor: The node's executor adapter.
            snapshot: The node's saved state, if any.
            recorder: Records the node's transitions.
            needs_slot: Whether starting needs a concurrency slot (a registry is set).
        """
        self.node_id = node_id
        self.executor = executor
        self.needs_slot = needs_slot and executor.slot_key is not None
        self.permit: HeldSlot | None = None
        self._index: dict[Status | None, dict[str, NodeRun]] | None = None
        self._status: Status | None = None
        self.execution_count = 0
        self.inputs: tuple[str, ...] = ()
        self.output: NodeOutput | None = None
        self.error: str | None = None
        self.execution_time_ms = 0.0
        self.usage = NO_USAGE
        self.start_state: AgentSnapshot | GraphSnapshot | None = None
        """The executor's state when the current execution started: what a checkpoint taken
        mid-execution stores, so a recovered node runs that execution again from its start."""
        self.answered = False
        """Whether the node has responses to resume with (from the answer until it stops)."""
        self.resume_input: Any = None
        """What it resumes with, when ``answered``."""
        if snapshot is not None:
            self._status = snapshot.status
            self.execution_count = snapshot.execution_count
            self.inputs = snapshot.inputs
            self.output = snapshot.output
            self.error = snapshot.error
            self.execution_time_ms = snapshot.execution_time_ms
            self.usage = snapshot.output.usage if snapshot.output else NO_USAGE
            self.start_state = snapshot.agent or snapshot.graph
            self.answered = snapshot.answered
            self.resume_input = snapshot.resume_input
        self._recorder = recorder
        self._machine: Machine | None = None

    @property
    def status(self) -> Status | None:
        """The node's lifecycle state (``None`` until its machine is first bound)."""
        return self._status

    @status.setter
    def status(self, value: Status | None) -> None:
        index = self._index
        if index is not None:
            del index[self._status][self.node_id]
            index[value][self.node_id] = self
        self._status = value

    def attach(self, index: dict[Status | None, dict[str, NodeRun]]) -> None:
        """Keep the node listed under its status in ``index`` (its run's), from now on."""
        self._index = index
        index[self._status][self.node_id] = self

    @property
    def machine(self) -> Machine:
        """The node's lifecycle, built on first use (most nodes of a large graph wait a while)."""
        if self._machine is None:
            self._machine = bind(
                NodeLifecycle, self, machine_id=self.node_id, recorder=self._recorder
            )
        return self._machine

    def slot_held(self) -> bool:
        """Guard of ``start`` and ``resume``: the node holds a slot when it needs one."""
        return not self.needs_slot or self.permit is not None

    def release_slot(self) -> None:
        """Give the node's concurrency slot back, if it holds one."""
        if self.permit is not None:
            permit, self.permit = self.permit, None
            permit.release()

    def snapshot(self) -> NodeSnapshot:
        """Return the node's state, with its executor's own state when it has run."""
        if self.status is Status.EXECUTING:
            own = self.start_state
        else:
            own = self.executor.snapshot() if self.execution_count else None
        return NodeSnapshot(
            node_id=self.node_id,
            status=self.status or Status.PENDING,
            execution_count=self.execution_count,
            inputs=self.inputs,
            output=self.output,
            error=self.error,
            agent=own if self.executor.kind == "agent" else None,  # type: ignore[arg-type]
            graph=own if self.executor.kind == "graph" else None,  # type: ignore[arg-type]
            execution_time_ms=self.execution_time_ms,
            answered=self.answered,
            resume_input=self.resume_input,
        )


class RunState:
    """One graph run: its status (the subject of ``GraphLifecycle``), nodes and bookkeeping."""

    def __init__(
        self,
        task: str | None,
        nodes: dict[str, NodeRun],
        *,
        snapshot: GraphSnapshot | None,
        recorder: TransitionRecorder | None,
        machine_id: str,
    ) -> None:
        """
        Build a run, restoring it from a snapshot when given.

        Args:
            task: The task (ignored when restoring).
            nodes: Every node's run state.
            snapshot: The saved run, if any.
            recorder: Records the graph's and hook interrupts' transitions.
            machine_id: The graph's id in transition records.
        """
        saved = snapshot or GraphSnapshot(task=task)
        self.status: Status | None = snapshot.status if snapshot else None
        self.task = saved.task or ""
        self.nodes = nodes
        self.execution_order: list[str] = list(saved.execution_order)
        self.pending_inputs: dict[str, list[str]] = {
            k: list(v) for k, v in saved.pending_inputs.items()
        }
        self.ledger = InterruptLedger(
            (copy.deepcopy(r) for r in saved.interrupts), recorder=recorder
        )
        self.started_at: datetime | None = saved.timings.started_at
        self.updated_at: datetime | None = saved.timings.updated_at
        self.execution_time_ms = saved.timings.execution_time_ms
        self.usage = saved.usage
        self.error: str | None = saved.error
        self.transitions: list[TransitionRecord] = []
        self.recovering: dict[str, Any] = {}
        """Nodes to resume when the run continues after a crash: answered nodes, with
        what they resume with."""
        self.executions = sum(n.execution_count for n in nodes.values())
        """How many node executions have started in this run (kept as a counter)."""
        self._by_status: dict[Status | None, dict[str, NodeRun]] = {s: {} for s in Status}
        self._by_status[None] = {}
        self._order = {node_id: position for position, node_id in enumerate(nodes)}
        for node in nodes.values():
            node.attach(self._by_status)
        self.machine = bind(GraphLifecycle, self, machine_id=machine_id, recorder=recorder)

    def nodes_in(self, status: Status) -> list[NodeRun]:
        """The nodes in a given state, in the graph's node order; costs what it returns."""
        found = self._by_status[status]
        if len(found) < 2:  # noqa: PLR2004 - nothing to order
            return list(found.values())
        return sorted(found.values(), key=lambda n: self._order[n.node_id])

    def ids_in(self, status: Status) -> Mapping[str, NodeRun]:
        """The nodes in a given state by id, in no particular order; a live view, O(1)."""
        return self._by_status[status]

    def snapshot(self) -> GraphSnapshot:
        """Return the run's complete state."""
        return GraphSnapshot(
            status=self.status or Status.PENDING,
            task=self.task,
            nodes={node_id: node.snapshot() for node_id, node in self.nodes.items()},
            execution_order=tuple(self.execution_order),
            pending_inputs={k: tuple(v) for k, v in self.pending_inputs.items() if v},
            interrupts=tuple(copy.deepcopy(r) for r in self.ledger.records),
            timings=Timings(self.started_at, self.updated_at, self.execution_time_ms),
            usage=self.usage,
            error=self.error,
        )

    def describe(self) -> dict[str, Any]:
        """A short summary, for reprs and logs."""
        return {
            "status": (self.status or Status.PENDING).value,
            "nodes": {k: (v.status or Status.PENDING).value for k, v in self.nodes.items()},
        }
