"""A nested Graph as a node, and the choice of adapter for each kind of node executor."""

from __future__ import annotations

from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from agentcharts.exceptions import DefinitionError, ExecutionError
from agentcharts.runtime.agent import Agent
from agentcharts.runtime.events import GraphFinished
from agentcharts.runtime.graph._executors import (
    AgentExecutor,
    ExecutorOutcome,
    FunctionExecutor,
    NodeExecutor,
)
from agentcharts.runtime.graph._graph import Graph
from agentcharts.schemas.records import AgentSnapshot, GraphSnapshot, NodeOutput
from agentcharts.schemas.status import Status

if TYPE_CHECKING:
    from collections.abc import Callable

    from agentcharts.runtime.events import StreamEvent
    from agentcharts.runtime.graph._results import GraphState
    from agentcharts.runtime.interrupts import Interrupt

__all__ = ["GraphExecutor", "adapt"]


class GraphExecutor(NodeExecutor):
    kind = "graph"

    def __init__(self, graph: Graph) -> None:
        self.target = graph
        self.graph = graph

    async def run(
        self, node_input: Any, state: GraphState, emit: Callable[[StreamEvent], None]
    ) -> ExecutorOutcome:
        del state
        result = None
        async with aclosing(self.graph.stream_async(node_input)) as events:
            async for event in events:
                if isinstance(event, GraphFinished):
                    result = event.result
                else:
                    emit(event)
        assert result is not None  # noqa: S101 - stream_async always ends with GraphFinished
        if result.status is Status.INTERRUPTED:
            return ExecutorOutcome(None, result.interrupts, result.accumulated_usage)
        if result.status is Status.FAILED:
            raise ExecutionError(f"nested graph failed: {result.error}")
        text = "\n".join(result.results[n].text for n in self.graph.sink_ids(result))
        output = NodeOutput("graph", text, usage=result.accumulated_usage)
        return ExecutorOutcome(output, usage=result.accumulated_usage)

    def pending_interrupts(self) -> tuple[Interrupt, ...]:
        return self.graph.pending_interrupts

    def snapshot(self) -> GraphSnapshot | None:
        return self.graph.snapshot()

    def restore(self, snapshot: AgentSnapshot | GraphSnapshot | None) -> None:
        if isinstance(snapshot, GraphSnapshot):
            self.graph.restore(snapshot)

    def reset(self) -> None:
        self.graph.reset()

    def set_scope(self, scope: str) -> None:
        self.graph.scope = f"{scope}/"


def adapt(executor: object, node_id: str) -> NodeExecutor:
    """
    Wrap a node's executor in its adapter.

    Raises:
        DefinitionError: The executor is not an Agent, a Graph or a callable.
    """
    if isinstance(executor, Agent):
        return AgentExecutor(executor)
    if isinstance(executor, Graph):
        return GraphExecutor(executor)
    if callable(executor):
        return FunctionExecutor(executor)
    msg = (
        f"node {node_id!r}: an executor must be an Agent, a Graph, or a function of the graph "
        f"state, got {type(executor).__name__}"
    )
    raise DefinitionError(msg)
