"""The benchmark graphs built with Strands Agents (installed only in the benchmarks' own venv).

Strands' ``GraphBuilder`` accepts only agents (``AgentBase``) and multi-agent systems as
nodes, so:

- ``function`` node: :class:`FunctionNode`, the smallest ``AgentBase`` there can be: its
  ``stream_async`` yields one ``{"result": AgentResult(...)}`` at once.
- ``agent`` / ``agent_tool`` node: a real ``strands.Agent`` (no callback handler, so nothing
  is printed) whose model is :class:`ScriptedStrandsModel`, written here against Strands'
  ``Model`` interface: it streams Strands' own events (``messageStart``,
  ``contentBlockDelta``, ``messageStop``, ``metadata``) with no network. Like
  ``ScriptedModel``, it decides from the conversation: a tool call first (``agent_tool``),
  then the text ``"done"`` once a tool result is in the last message.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from _shapes import node_ids
from strands import Agent, tool
from strands.agent.agent_result import AgentResult
from strands.models.model import Model
from strands.multiagent import GraphBuilder
from strands.multiagent.base import Status
from strands.telemetry.metrics import EventLoopMetrics

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

__all__ = ["FunctionNode", "ScriptedStrandsModel", "build"]


class ScriptedStrandsModel(Model):
    """A Strands model that answers at once: one tool call (optionally), then ``"done"``."""

    def __init__(self, *, with_tool: bool) -> None:
        self.with_tool = with_tool

    def update_config(self, **model_config: Any) -> None:
        del model_config

    def get_config(self) -> dict[str, Any]:
        return {}

    def structured_output(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def stream(  # type: ignore[override]
        self, messages: list[dict[str, Any]], *args: Any, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        del args, kwargs
        answered = any("toolResult" in block for block in messages[-1]["content"])
        yield {"messageStart": {"role": "assistant"}}
        if self.with_tool and not answered:
            start = {"toolUse": {"toolUseId": "t1", "name": "echo"}}
            yield {"contentBlockStart": {"start": start}}
            yield {"contentBlockDelta": {"delta": {"toolUse": {"input": '{"x": 1}'}}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "tool_use"}}
        else:
            yield {"contentBlockDelta": {"delta": {"text": "done"}}}
            yield {"contentBlockStop": {}}
            yield {"messageStop": {"stopReason": "end_turn"}}
        usage = {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}
        yield {"metadata": {"usage": usage, "metrics": {"latencyMs": 0}}}


class FunctionNode:
    """The cheapest Strands node: an ``AgentBase`` that returns a result at once."""

    async def invoke_async(self, prompt: Any = None, **kwargs: Any) -> AgentResult:
        del prompt, kwargs
        message = {"role": "assistant", "content": [{"text": "ok"}]}
        return AgentResult(
            stop_reason="end_turn",
            message=message,  # type: ignore[arg-type]
            metrics=EventLoopMetrics(),
            state={},
        )

    def __call__(self, prompt: Any = None, **kwargs: Any) -> AgentResult:
        raise NotImplementedError

    async def stream_async(self, prompt: Any = None, **kwargs: Any) -> AsyncIterator[Any]:
        yield {"result": await self.invoke_async(prompt, **kwargs)}


@tool
async def echo(x: int) -> str:
    """Return the number as text."""
    return str(x)


def _make_node(kind: str) -> Any:
    if kind == "function":
        return FunctionNode()
    with_tool = kind == "agent_tool"
    tools = [echo] if with_tool else []
    return Agent(
        model=ScriptedStrandsModel(with_tool=with_tool), tools=tools, callback_handler=None
    )


def build(shape: str, kind: str, n: int) -> Callable[[], Awaitable[int]]:
    """Build the graph; return a runner that invokes it once and counts completed nodes."""
    ids, edges = node_ids(shape, n)
    builder = GraphBuilder()
    for node_id in ids:
        builder.add_node(_make_node(kind), node_id)
    for source, target in edges:
        builder.add_edge(source, target)
    builder.set_entry_point(ids[0])
    builder.set_max_node_executions(len(ids) + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = builder.build()

    async def run() -> int:
        result = await graph.invoke_async("task")
        assert result.status == Status.COMPLETED, result.status
        return len(result.execution_order)

    return run
