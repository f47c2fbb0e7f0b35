"""The benchmark graphs built with LangGraph (installed only in the benchmarks' own venv).

State: one ``count`` channel with an ``operator.add`` reducer; every node returns
``{"count": 1}``, the cheapest update that parallel nodes may all write in one step.

- ``function`` node: an async function returning ``{"count": 1}``.
- ``agent`` node: an async function that calls a LangChain fake chat model
  (``FakeMessagesListChatModel``, one per node) with the task, and returns the count.
- ``agent_tool`` node: the same function runs a minimal ReAct turn by hand: the fake model
  answers with one tool call, the node runs the LangChain ``@tool`` with that call (which
  returns a ``ToolMessage``), and calls the model again for the final text.

That is the cheapest faithful equivalent of an agent node: the model and tool machinery of
LangChain, without a prebuilt agent subgraph (which would only add cost).
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Annotated, Any, TypedDict

from _shapes import node_ids
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["build"]


class Counted(TypedDict):
    """The graph state: how many nodes ran."""

    count: Annotated[int, operator.add]


@tool
async def echo(x: int) -> str:
    """Return the number as text."""
    return str(x)


def _make_node(kind: str) -> Callable[[Counted], Awaitable[dict[str, int]]]:
    if kind == "function":

        async def work(state: Counted) -> dict[str, int]:
            del state
            return {"count": 1}

        return work
    if kind == "agent":
        model = FakeMessagesListChatModel(responses=[AIMessage(content="done")])

        async def agent(state: Counted) -> dict[str, int]:
            del state
            reply = await model.ainvoke([HumanMessage("task")])
            assert reply.content == "done"
            return {"count": 1}

        return agent
    call = {"name": "echo", "args": {"x": 1}, "id": "t1", "type": "tool_call"}
    model = FakeMessagesListChatModel(
        responses=[AIMessage(content="", tool_calls=[call]), AIMessage(content="done")]
    )

    async def agent_tool(state: Counted) -> dict[str, int]:
        del state
        messages: list[Any] = [HumanMessage("task")]
        asked = await model.ainvoke(messages)
        messages.append(asked)
        messages.extend(
            [await echo.ainvoke({**call, "type": "tool_call"}) for call in asked.tool_calls]
        )
        reply = await model.ainvoke(messages)
        assert reply.content == "done"
        return {"count": 1}

    return agent_tool


def build(shape: str, kind: str, n: int) -> Callable[[], Awaitable[int]]:
    """Build and compile the graph; return a runner that invokes it once."""
    ids, edges = node_ids(shape, n)
    graph = StateGraph(Counted)
    for node_id in ids:
        graph.add_node(node_id, _make_node(kind))
    graph.add_edge(START, ids[0])
    for source, target in edges:
        graph.add_edge(source, target)
    graph.add_edge(ids[-1], END)
    app = graph.compile()
    config = {"recursion_limit": len(ids) + 10}

    async def run() -> int:
        state = await app.ainvoke({"count": 0}, config=config)  # type: ignore[arg-type]
        return int(state["count"])

    return run
