"""GraphBuilder: declare nodes, edges, entry points and limits; ``build()`` checks them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Self

from agentcharts.exceptions import DefinitionError, InvalidSettingError
from agentcharts.machines._base import utc_now
from agentcharts.runtime.agent import Agent
from agentcharts.runtime.graph._adapt import adapt
from agentcharts.runtime.graph._graph import Edge, Graph, InterruptMode
from agentcharts.runtime.graph._journal import (
    COMPACT_BYTES,
    COMPACT_ENTRIES,
    DURABILITIES,
    Durability,
)
from agentcharts.runtime.hooks import HookProvider, HookRegistry
from agentcharts.runtime.sessions import validate_session_id

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from agentcharts.runtime.concurrency._registry import ConcurrencyLimiter
    from agentcharts.runtime.graph._results import GraphState
    from agentcharts.runtime.sessions import SessionStore

__all__ = ["GraphBuilder"]


def _positive_seconds(setting: str, value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidSettingError(setting, value, "a positive number of seconds")
    return float(value)


def _check_condition(from_id: str, to_id: str, condition: object) -> None:
    if condition is not None and not callable(condition):
        msg = f"the condition of edge {from_id!r} -> {to_id!r} must be callable"
        raise DefinitionError(msg)


class GraphBuilder:
    """
    Declare a graph step by step; every method but :meth:`build` returns the builder.

    .. versionadded:: 0.1
    """

    def __init__(self) -> None:
        """Start an empty graph."""
        self._nodes: list[tuple[str, object]] = []
        self._edges: list[Edge] = []
        self._entry_points: list[str] = []
        self._max_node_executions: int | None = None
        self._execution_timeout: float | None = None
        self._node_timeout: float | None = None
        self._reset_on_revisit = False
        self._concurrency: ConcurrencyLimiter | None = None
        self._store: SessionStore | None = None
        self._session_id: str | None = None
        self._durability: Durability = "sync"
        self._compaction = (COMPACT_ENTRIES, COMPACT_BYTES)
        self._hooks: list[HookProvider] = []
        self._interrupt_mode: InterruptMode = "barrier"
        self._graph_id = "graph"
        self._clock: Callable[[], datetime] = utc_now

    def add_node(self, executor: Any, node_id: str) -> Self:
        """
        Add a node.

        Args:
            executor: An ``Agent``, a nested ``Graph``, or a sync or async function of the
                graph state (``GraphState``).
            node_id: The node's id, unique in the graph.
        """
        self._nodes.append((node_id, executor))
        return self

    def add_edge(
        self,
        from_id: str,
        to_id: str,
        condition: Callable[[GraphState], bool] | None = None,
    ) -> Self:
        """
        Add an edge; with a condition, it fires only when the condition holds.

        Args:
            from_id: The source node.
            to_id: The target node.
            condition: Called with the graph state when the source completes.
        """
        _check_condition(from_id, to_id, condition)
        self._edges.append(Edge(from_id, to_id, condition))
        return self

    def set_entry_point(self, node_id: str) -> Self:
        """Make a node an entry point (call once per entry point)."""
        if node_id not in self._entry_points:
            self._entry_points.append(node_id)
        return self

    def set_max_node_executions(self, limit: int) -> Self:
        """Fail the graph when it would start more than ``limit`` node executions in a run."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidSettingError("max_node_executions", limit, "a positive int")
        self._max_node_executions = limit
        return self

    def set_execution_timeout(self, seconds: float) -> Self:
        """Fail the graph when it has executed longer (time waiting for humans not counted)."""
        self._execution_timeout = _positive_seconds("execution_timeout", seconds)
        return self

    def set_node_timeout(self, seconds: float) -> Self:
        """Fail a node that executes longer than this, in one execution."""
        self._node_timeout = _positive_seconds("node_timeout", seconds)
        return self

    def reset_on_revisit(self, enabled: bool = True) -> Self:  # noqa: FBT001, FBT002 - the seed's API
        """Reset an agent's conversation (or a nested graph) when a cycle revisits its node."""
        self._reset_on_revisit = bool(enabled)
        return self

    def set_concurrency(self, registry: ConcurrencyLimiter) -> Self:
        """Make agent nodes hold a slot of their agent's limit while executing."""
        self._concurrency = registry
        return self

    def set_session(
        self,
        store: SessionStore,
        session_id: str,
        *,
        durability: Durability = "sync",
        compact_entries: int = COMPACT_ENTRIES,
        compact_bytes: int = COMPACT_BYTES,
    ) -> Self:
        """
        Persist every run in ``store`` under ``session_id``, and resume from it.

        Args:
            store: The session store.
            session_id: The session's id.
            durability: When changes reach the store: ``"sync"`` (each change is stored
                before the graph acts on it), ``"async"`` (in the background, flushed before
                the invocation returns) or ``"exit"`` (when the invocation returns). See the
                sessions guide for what each can lose in a crash.
            compact_entries: Write a new snapshot once the journal holds this many entries.
            compact_bytes: ...or once its entries outgrow this many bytes and the snapshot.

        Raises:
            InvalidSettingError: A durability other than the three, or a threshold that is
                not a positive int.
        """
        if durability not in DURABILITIES:
            raise InvalidSettingError("durability", durability, "'sync', 'async' or 'exit'")
        for name, value in (("compact_entries", compact_entries), ("compact_bytes", compact_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidSettingError(name, value, "a positive int")
        self._store = store
        self._session_id = validate_session_id(session_id)
        self._durability = durability
        self._compaction = (compact_entries, compact_bytes)
        return self

    def set_hooks(self, hooks: list[HookProvider]) -> Self:
        """Register hook providers (``before_node_call`` and friends) on the graph."""
        self._hooks = list(hooks)
        return self

    def set_interrupt_mode(self, mode: InterruptMode) -> Self:
        """
        Choose what happens when a node interrupts.

        ``"barrier"`` (the default) lets the nodes already running finish, then returns;
        ``"continue"`` keeps running every branch that does not depend on an interrupted node.
        """
        if mode not in ("barrier", "continue"):
            raise InvalidSettingError("interrupt_mode", mode, "'barrier' or 'continue'")
        self._interrupt_mode = mode
        return self

    def set_graph_id(self, graph_id: str) -> Self:
        """Name the graph in transition records."""
        self._graph_id = graph_id
        return self

    def set_clock(self, clock: Callable[[], datetime]) -> Self:
        """Use ``clock`` for the timestamps of records (for deterministic tests)."""
        self._clock = clock
        return self

    def build(self) -> Graph:  # noqa: C901, PLR0912 - one check after another, in order
        """
        Check the declaration and build the graph.

        Raises:
            DefinitionError: Duplicate node ids, an agent or nested graph used for two nodes
                (a plain function may serve many), an edge to
                or from an unknown node, an unknown entry point, or no possible entry point.
        """
        executors = {}
        seen: dict[int, str] = {}
        for node_id, executor in self._nodes:
            if not isinstance(node_id, str) or not node_id:
                raise DefinitionError(f"a node id must be a non-empty str, got {node_id!r}")
            if node_id in executors:
                raise DefinitionError(f"duplicate node id {node_id!r}")
            stateful = isinstance(executor, Agent | Graph)  # a plain function holds no state
            if stateful and id(executor) in seen:
                msg = (
                    f"nodes {seen[id(executor)]!r} and {node_id!r} share one executor "
                    "instance; give each node its own"
                )
                raise DefinitionError(msg)
            if isinstance(executor, Graph) and executor.store is not None:
                msg = f"node {node_id!r}: a nested graph must not have its own session"
                raise DefinitionError(msg)
            seen[id(executor)] = node_id
            executors[node_id] = adapt(executor, node_id)
        if not executors:
            raise DefinitionError("a graph needs at least one node")
        for edge in self._edges:
            for end in (edge.source, edge.target):
                if end not in executors:
                    msg = f"edge {edge.source!r} -> {edge.target!r}: unknown node {end!r}"
                    raise DefinitionError(msg)
        for entry in self._entry_points:
            if entry not in executors:
                raise DefinitionError(f"unknown entry point {entry!r}")
        entry_points = list(self._entry_points)
        if not entry_points:
            targets = {edge.target for edge in self._edges}
            entry_points = [n for n in executors if n not in targets]
        if not entry_points:
            msg = "no entry point: every node has an incoming edge; call set_entry_point()"
            raise DefinitionError(msg)
        return Graph(
            executors=executors,
            edges=self._edges,
            entry_points=entry_points,
            hooks=HookRegistry(self._hooks),
            max_node_executions=self._max_node_executions,
            execution_timeout=self._execution_timeout,
            node_timeout=self._node_timeout,
            reset_on_revisit=self._reset_on_revisit,
            concurrency=self._concurrency,
            store=self._store,
            session_id=self._session_id,
            interrupt_mode=self._interrupt_mode,
            graph_id=self._graph_id,
            clock=self._clock,
            durability=self._durability,
            compact_entries=self._compaction[0],
            compact_bytes=self._compaction[1],
        )
