"""What the scheduler of a run needs of its graph: the settings it reads and its services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from agentcharts.runtime.concurrency import ConcurrencyLimiter
    from agentcharts.runtime.graph._edge import Edge
    from agentcharts.runtime.graph._journal import NoJournal, RunJournal
    from agentcharts.runtime.graph._results import GraphState, NodeResult
    from agentcharts.runtime.graph._run import NodeRun
    from agentcharts.runtime.hooks import HookRegistry
    from agentcharts.runtime.interrupts import Interrupt

__all__ = ["GraphSettings", "InterruptMode", "SchedulerHost"]

InterruptMode = Literal["barrier", "continue"]
"""What the graph does when a node interrupts: ``"barrier"`` lets the nodes already running
finish and then returns; ``"continue"`` keeps running every branch that does not depend on an
interrupted node, and returns when nothing else can run."""


class GraphSettings(Protocol):
    """The shape and settings of a graph, read (never changed) by its scheduler."""

    @property
    def predecessors(self) -> Mapping[str, Sequence[str]]:
        """Node id → the sources of its incoming edges."""

    @property
    def successors(self) -> Mapping[str, Sequence[Edge]]:
        """Node id → its outgoing edges."""

    @property
    def hooks(self) -> HookRegistry:
        """The graph's hooks (before and after each node)."""

    @property
    def concurrency(self) -> ConcurrencyLimiter | None:
        """The limiter whose slots agent nodes hold while they execute."""

    @property
    def execution_timeout(self) -> float | None:
        """Seconds the whole run may execute (time waiting for humans excluded)."""

    @property
    def node_timeout(self) -> float | None:
        """Seconds one node execution may take."""

    @property
    def max_node_executions(self) -> int | None:
        """Node executions the run may start in total."""

    @property
    def reset_on_revisit(self) -> bool:
        """Whether a node revisited by a cycle starts from its built state."""

    @property
    def interrupt_mode(self) -> InterruptMode:
        """``"barrier"`` or ``"continue"``."""


class SchedulerHost(Protocol):
    """The graph as its scheduler sees it: its settings and the services the scheduler calls."""

    @property
    def settings(self) -> GraphSettings:
        """The graph's shape and settings; hook events report it as their graph."""

    @property
    def journal(self) -> RunJournal | NoJournal:
        """Where the run's changes go: its session's journal, or nowhere without a store."""

    def node_interrupts(self, node: NodeRun) -> list[Interrupt]:
        """The pending interrupts of an interrupted node (hook and executor ones)."""

    def node_result(self, node: NodeRun) -> NodeResult:
        """A node's result as users see it."""

    def node_scope(self, node: NodeRun) -> str:
        """The interrupt scope of a node's current execution."""

    def state(self, node_id: str | None = None, inputs: dict[str, str] | None = None) -> GraphState:
        """The graph's progress, as conditions and function nodes see it."""
