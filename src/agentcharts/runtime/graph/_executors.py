"""What a graph needs of a node's executor, and the adapters for an Agent and a function."""

from __future__ import annotations

import abc
import asyncio
import inspect
import json
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Literal

from attrs import field, frozen

from agentcharts.runtime.events import AgentFinished
from agentcharts.runtime.interrupts import Interrupt
from agentcharts.schemas._problems import NotJSONError, copy_json_value
from agentcharts.schemas.messages import NO_USAGE, Usage
from agentcharts.schemas.records import AgentSnapshot, GraphSnapshot, NodeOutput

if TYPE_CHECKING:
    from collections.abc import Callable

    from agentcharts.runtime.agent._agent import Agent
    from agentcharts.runtime.events import StreamEvent
    from agentcharts.runtime.graph._results import GraphState

__all__ = ["AgentExecutor", "ExecutorOutcome", "FunctionExecutor", "NodeExecutor"]


@frozen
class ExecutorOutcome:
    """What one execution of a node produced."""

    output: NodeOutput | None
    """The output, when the node completed."""
    interrupts: tuple[Interrupt, ...] = ()
    """The pending interrupts, when the node interrupted."""
    usage: Usage = field(default=NO_USAGE)
    """Token usage of this execution."""

    @property
    def interrupted(self) -> bool:
        """Whether the node stopped to wait for a human."""
        return bool(self.interrupts)


class NodeExecutor(abc.ABC):
    """The common face of the three kinds of node executor."""

    kind: Literal["agent", "graph", "function"]
    slot_key: str | None = None
    """The concurrency limit a node of this executor takes a slot of (an agent's name)."""
    target: object
    takes_text = True
    """Whether :meth:`run` reads the node's input text (the task and its predecessors'
    outputs); a function node reads the graph state instead, so the text is not built."""
    scoped = True
    """Whether :meth:`set_scope` matters (the executor can raise interrupts)."""

    @abc.abstractmethod
    async def run(
        self, node_input: Any, state: GraphState, emit: Callable[[StreamEvent], None]
    ) -> ExecutorOutcome:
        """Execute (or resume, when ``node_input`` is interrupt responses)."""

    def pending_interrupts(self) -> tuple[Interrupt, ...]:
        """The interrupts this executor waits on."""
        return ()

    def snapshot(self) -> AgentSnapshot | GraphSnapshot | None:
        """The executor's own state, to persist with the node."""
        return None

    @abc.abstractmethod
    def restore(self, snapshot: AgentSnapshot | GraphSnapshot | None) -> None:
        """Restore the executor's own state from a node snapshot."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Return the executor to the state it was built with (a new run, or a revisit)."""

    @abc.abstractmethod
    def set_scope(self, scope: str) -> None:
        """Namespace the executor's interrupt ids with the node path and visit."""


class AgentExecutor(NodeExecutor):
    kind = "agent"

    def __init__(self, agent: Agent) -> None:
        self.target = agent
        self.agent = agent
        self.slot_key = agent.name

    async def run(
        self, node_input: Any, state: GraphState, emit: Callable[[StreamEvent], None]
    ) -> ExecutorOutcome:
        del state
        result = None
        async with aclosing(self.agent.stream_async(node_input)) as events:
            async for event in events:
                if isinstance(event, AgentFinished):
                    result = event.result
                else:
                    emit(event)
        assert result is not None  # noqa: S101 - stream_async always ends with AgentFinished
        if result.stop_reason == "interrupt":
            return ExecutorOutcome(None, result.interrupts, result.usage)
        output = NodeOutput(
            "agent", str(result), stop_reason=result.stop_reason, usage=result.usage
        )
        return ExecutorOutcome(output, usage=result.usage)

    def pending_interrupts(self) -> tuple[Interrupt, ...]:
        return self.agent.pending_interrupts

    def snapshot(self) -> AgentSnapshot:
        return self.agent.snapshot()

    def restore(self, snapshot: AgentSnapshot | GraphSnapshot | None) -> None:
        if isinstance(snapshot, AgentSnapshot):
            self.agent.restore(snapshot)

    def reset(self) -> None:
        self.agent.reset()

    def set_scope(self, scope: str) -> None:
        self.agent.interrupt_scope = scope


def _as_json(value: Any) -> Any:
    try:
        return copy_json_value(value)
    except NotJSONError:
        return None


class FunctionExecutor(NodeExecutor):
    kind = "function"
    takes_text = False
    scoped = False

    def __init__(self, fn: Callable[[GraphState], Any]) -> None:
        self.target = fn
        self.fn = fn
        self.is_async = inspect.iscoroutinefunction(fn)

    def restore(self, snapshot: AgentSnapshot | GraphSnapshot | None) -> None:
        """Do nothing: a function keeps no state between executions."""

    def reset(self) -> None:
        """Do nothing: a function keeps no state between executions."""

    def set_scope(self, scope: str) -> None:
        """Do nothing: a function raises no interrupts."""

    async def run(
        self, node_input: Any, state: GraphState, emit: Callable[[StreamEvent], None]
    ) -> ExecutorOutcome:
        del node_input, emit
        if self.is_async:
            value = await self.fn(state)
        else:
            value = await asyncio.to_thread(self.fn, state)
        json_value = _as_json(value)
        if isinstance(value, str):
            text = value
        elif value is None:
            text = ""
        elif json_value is not None:
            text = json.dumps(json_value)
        else:
            text = str(value)
        # a string is the text; storing it twice would double the session's size
        stored = None if isinstance(value, str) else json_value
        return ExecutorOutcome(NodeOutput("function", text, value=stored, usage=NO_USAGE))
