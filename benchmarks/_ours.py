"""The benchmark graphs built with agentcharts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from _shapes import node_ids

from agentcharts import Agent, GraphBuilder, ScriptedModel, Status, tool

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["build", "make_node"]


@tool
async def echo(x: int) -> str:
    """Return the number as text."""
    return str(x)


def make_node(kind: str, node_id: str) -> Any:
    """One node executor of a kind: an async function, or an agent with a scripted model."""
    if kind == "function":

        async def work(state: Any) -> str:
            del state
            return "ok"

        return work
    if kind == "agent":
        return Agent(name=node_id, model=ScriptedModel(["done"]))
    model = ScriptedModel([[{"name": "echo", "input": {"x": 1}}], "done"])
    return Agent(name=node_id, model=model, tools=[echo])


def build(shape: str, kind: str, n: int) -> Callable[[], Awaitable[int]]:
    """Build the graph; return a runner that invokes it once and counts completed nodes."""
    ids, edges = node_ids(shape, n)
    builder = GraphBuilder()
    for node_id in ids:
        builder.add_node(make_node(kind, node_id), node_id)
    for source, target in edges:
        builder.add_edge(source, target)
    graph = builder.build()

    async def run() -> int:
        result = await graph.invoke_async("task")
        assert result.status is Status.COMPLETED, result.error
        return len(result.execution_order)

    return run
