"""What conditions and function nodes see while a graph runs, and what a run returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from agentcharts.exceptions import ExecutionError, NodeFailures
from agentcharts.runtime.interrupts import Interrupt
from agentcharts.schemas.messages import Usage
from agentcharts.schemas.status import Status

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["GraphResult", "GraphState", "NodeResult"]


@frozen
class NodeResult:
    """
    One node's outcome: its status, output and bookkeeping.

    .. versionadded:: 0.1
    """

    node_id: str
    """The node."""
    status: Status
    """Its lifecycle state."""
    text: str = ""
    """Its output text (an agent's final answer; a function's return value as text)."""
    value: Any = None
    """A function node's return value."""
    error: str | None = None
    """Why it failed, as ``"Type: message"``."""
    execution_count: int = 0
    """How many times it started executing."""
    execution_time_ms: float = 0.0
    """Time spent executing, waiting for humans excluded."""
    usage: Usage = field(factory=Usage)
    """Token usage of its executions."""
    interrupts: tuple[Interrupt, ...] = ()
    """Its pending interrupts."""

    def __str__(self) -> str:
        """Return the output text."""
        return self.text


class GraphState:
    """
    The graph's progress, as edge conditions and function nodes see it.

    ``results`` and ``statuses`` are computed on first use, so a condition that reads nothing
    costs nothing; they show the nodes as they are at that moment.

    .. versionadded:: 0.1
    """

    __slots__ = (
        "_finished",
        "_order",
        "_read",
        "_results",
        "_statuses",
        "inputs",
        "node_id",
        "task",
    )

    def __init__(
        self,
        task: str,
        execution_order: Sequence[str],
        read: Callable[[], tuple[dict[str, NodeResult], dict[str, Status]]],
        *,
        node_id: str | None = None,
        inputs: dict[str, str] | None = None,
    ) -> None:
        """
        Build a view of a run; the graph makes these.

        Args:
            task: The task the run was given.
            execution_order: The nodes in the order they finished; a list the run only
                appends to may be given as it is (the view keeps its current length).
            read: Returns the finished nodes' results and every node's status.
            node_id: The node being run, for a function node.
            inputs: For a function node, the output text of each fired predecessor.
        """
        self.task = task
        """The task the run was given."""
        self._order = execution_order
        self._finished = len(execution_order)
        self.node_id = node_id
        """The node being run, for a function node."""
        self.inputs = inputs or {}
        """For a function node: the output text of each predecessor whose edge fired."""
        self._read = read
        self._results: dict[str, NodeResult] | None = None
        self._statuses: dict[str, Status] | None = None

    @property
    def execution_order(self) -> tuple[str, ...]:
        """The nodes in the order they finished, up to when this view was made."""
        order = self._order
        if not isinstance(order, tuple) or len(order) != self._finished:
            order = self._order = tuple(order[: self._finished])
        return order

    def _load(self) -> None:
        self._results, self._statuses = self._read()

    @property
    def results(self) -> dict[str, NodeResult]:
        """Every node that has finished (completed or failed), by id."""
        if self._results is None:
            self._load()
        assert self._results is not None  # noqa: S101 - set by _load
        return self._results

    @property
    def statuses(self) -> dict[str, Status]:
        """Every node's status."""
        if self._statuses is None:
            self._load()
        assert self._statuses is not None  # noqa: S101 - set by _load
        return self._statuses

    @property
    def completed_nodes(self) -> frozenset[str]:
        """The ids of the completed nodes."""
        return frozenset(n for n, s in self.statuses.items() if s is Status.COMPLETED)

    @property
    def failed_nodes(self) -> frozenset[str]:
        """The ids of the failed nodes."""
        return frozenset(n for n, s in self.statuses.items() if s is Status.FAILED)

    def text_of(self, node_id: str) -> str:
        """Return a finished node's output text ("" if it has none)."""
        result = self.results.get(node_id)
        return "" if result is None else result.text

    def __repr__(self) -> str:
        """Return the task and the finished nodes."""
        return f"GraphState(task={self.task!r}, execution_order={self.execution_order!r})"


@frozen
class GraphResult:
    """
    The outcome of one graph invocation.

    .. versionadded:: 0.1
    """

    status: Status
    """``COMPLETED``, ``INTERRUPTED`` or ``FAILED``."""
    results: dict[str, NodeResult]
    """Every node's result, by id (pending nodes included)."""
    execution_order: tuple[str, ...]
    """The nodes in the order they finished."""
    interrupts: tuple[Interrupt, ...] = ()
    """Every pending interrupt of every node, when interrupted."""
    accumulated_usage: Usage = field(factory=Usage)
    """Token usage over every node and invocation."""
    execution_time_ms: float = 0.0
    """Time spent executing over every invocation, waiting for humans excluded."""
    error: str | None = None
    """Why the graph failed."""

    @property
    def completed_nodes(self) -> int:
        """How many nodes are completed."""
        return sum(r.status is Status.COMPLETED for r in self.results.values())

    @property
    def failed_nodes(self) -> int:
        """How many nodes failed."""
        return sum(r.status is Status.FAILED for r in self.results.values())

    @property
    def interrupted_nodes(self) -> int:
        """How many nodes wait for a human."""
        return sum(r.status is Status.INTERRUPTED for r in self.results.values())

    @property
    def total_nodes(self) -> int:
        """How many nodes the graph has."""
        return len(self.results)

    @property
    def execution_time(self) -> float:
        """Time spent executing, in seconds."""
        return self.execution_time_ms / 1000

    def raise_for_failures(self) -> None:
        """
        Raise if the run failed.

        Raises:
            NodeFailures: One or more nodes failed (each error noted with its node).
            ExecutionError: The graph failed for another reason (a limit or a timeout).
        """
        if self.status is not Status.FAILED:
            return
        failed = [
            (r.node_id, r.execution_count, ExecutionError(r.error or "failed"))
            for r in self.results.values()
            if r.status is Status.FAILED
        ]
        if failed:
            raise NodeFailures(failed)
        raise ExecutionError(self.error or "graph failed")
