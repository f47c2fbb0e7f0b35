"""Events that ``stream_async`` yields while an agent or a graph runs."""

from __future__ import annotations

from typing import Any, ClassVar

from attrs import frozen

__all__ = [
    "AgentFinished",
    "GraphFinished",
    "NodeCompleted",
    "NodeFailed",
    "NodeInterrupted",
    "NodeStarted",
    "NodeStreamEvent",
    "StreamEvent",
    "TextDelta",
    "ToolCallFinished",
    "ToolCallStarted",
]


class StreamEvent:
    """Base class of stream events; ``type`` names the kind."""

    type: ClassVar[str] = "event"


@frozen
class TextDelta(StreamEvent):
    """A piece of the model's text, as it streams."""

    type: ClassVar[str] = "text_delta"
    agent: str
    """The agent's name."""
    text: str
    """The text."""


@frozen
class ToolCallStarted(StreamEvent):
    """A tool call is starting (or resuming)."""

    type: ClassVar[str] = "tool_call_started"
    agent: str
    """The agent's name."""
    tool_use_id: str
    """The tool use."""
    name: str
    """The tool's name."""


@frozen
class ToolCallFinished(StreamEvent):
    """A tool call has settled or interrupted."""

    type: ClassVar[str] = "tool_call_finished"
    agent: str
    """The agent's name."""
    tool_use_id: str
    """The tool use."""
    name: str
    """The tool's name."""
    status: str
    """The call's lifecycle state (``succeeded``, ``failed``, ``interrupted``...)."""
    result: Any
    """The result content, when settled."""


@frozen
class AgentFinished(StreamEvent):
    """The agent's invocation ended; ``result`` is the ``AgentResult``."""

    type: ClassVar[str] = "agent_finished"
    result: Any
    """The ``AgentResult``."""


@frozen
class NodeStarted(StreamEvent):
    """A graph node started or resumed executing."""

    type: ClassVar[str] = "node_started"
    node_id: str
    """The node."""
    resumed: bool = False
    """Whether it resumed after an interrupt."""


@frozen
class NodeStreamEvent(StreamEvent):
    """An event from inside a node (an agent's or a nested graph's event)."""

    type: ClassVar[str] = "node_stream"
    node_id: str
    """The node."""
    event: StreamEvent
    """The inner event."""


@frozen
class NodeCompleted(StreamEvent):
    """A graph node completed."""

    type: ClassVar[str] = "node_completed"
    node_id: str
    """The node."""
    text: str
    """Its output text."""


@frozen
class NodeFailed(StreamEvent):
    """A graph node failed."""

    type: ClassVar[str] = "node_failed"
    node_id: str
    """The node."""
    error: str
    """Why, as ``"Type: message"``."""


@frozen
class NodeInterrupted(StreamEvent):
    """A graph node stopped to wait for a human."""

    type: ClassVar[str] = "node_interrupted"
    node_id: str
    """The node."""
    interrupts: tuple[Any, ...]
    """Its pending ``Interrupt`` objects."""


@frozen
class GraphFinished(StreamEvent):
    """The graph's invocation ended; ``result`` is the ``GraphResult``."""

    type: ClassVar[str] = "graph_finished"
    result: Any
    """The ``GraphResult``."""
