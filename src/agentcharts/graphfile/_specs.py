"""The parts of a parsed graph file: models, agents, nodes, edges, limits, and the whole."""

from __future__ import annotations

import pathlib
from typing import Any, Literal

from attrs import field, frozen

from agentcharts.graphfile.conditions import Condition
from agentcharts.runtime.retry import RetryPolicy

__all__ = ["AgentSpec", "EdgeSpec", "GraphSpec", "LimitsSpec", "ModelSpec", "NodeSpec"]


@frozen
class ModelSpec:
    """A model entry: scripted turns, or an OpenAI-compatible endpoint."""

    kind: Literal["scripted", "openai-compatible"]
    """The entry's ``type``."""
    settings: dict[str, Any]
    """The entry's other keys (``turns``; or ``model``, ``base_url``, ``api_key_env``...)."""
    path: str
    """Where the entry is in the file (``models.local``, ``agents.writer.model``)."""


@frozen
class AgentSpec:
    """An agent definition; every node that names it gets its own ``Agent``."""

    name: str
    """The agent's name: its concurrency key."""
    model: ModelSpec
    """Its model (a named entry of ``models``, or its own)."""
    model_name: str | None = None
    """The ``models`` entry it names, if it names one."""
    system_prompt: str | None = None
    """Sent to the model with every call."""
    tools: tuple[str, ...] = ()
    """Import paths of its tools."""
    hooks: tuple[str, ...] = ()
    """Import paths of its hook providers."""
    tool_timeout: float | None = None
    """Seconds per tool attempt at the wrapper layer (see :mod:`.timeouts`)."""
    retry_policy: RetryPolicy | None = None
    """How failed tool attempts are retried."""
    parallel_tool_calls: bool = True
    """Whether the tool calls of one turn run concurrently."""
    max_turns: int = 32
    """The most model calls in one invocation."""


@frozen
class NodeSpec:
    """A node: an agent (by name) or a function (by import path)."""

    node_id: str
    """The node's id."""
    agent: str | None = None
    """The agent it runs."""
    function: str | None = None
    """The import path of the function it runs."""
    description: str | None = None
    """What the node does, for humans."""


@frozen
class EdgeSpec:
    """An edge and its compiled condition."""

    source: str
    """The source node."""
    target: str
    """The target node."""
    condition: Condition | None = None
    """Fires the edge only when it holds; ``None`` always fires."""


@frozen
class LimitsSpec:
    """The graph's limits."""

    max_node_executions: int | None = None
    """The most node executions in one run."""
    execution_timeout: float | None = None
    """Seconds the whole run may execute (time waiting for humans not counted)."""
    node_timeout: float | None = None
    """Seconds one node execution may take."""
    concurrency: dict[str, int] = field(factory=dict)
    """How many nodes of each agent name may execute at once."""


@frozen
class GraphSpec:
    """What a graph file describes: nodes, agents, edges, entry points, settings, limits."""

    path: pathlib.Path
    """The file, resolved."""
    source: str
    """The file as the user named it (used in error messages)."""
    graph_id: str
    """The graph's ``name`` (``"graph"`` when the file gives none)."""
    nodes: dict[str, NodeSpec]
    """The nodes by id, in file order."""
    agents: dict[str, AgentSpec] = field(factory=dict)
    """The agent definitions by name."""
    edges: tuple[EdgeSpec, ...] = ()
    """The edges, in file order."""
    entry_points: tuple[str, ...] = ()
    """The entry points the file lists (none: the nodes without incoming edges)."""
    task: str | None = None
    """The default task."""
    description: str | None = None
    """What the graph does."""
    interrupt_mode: Literal["barrier", "continue"] = "barrier"
    """What happens when a node interrupts."""
    reset_on_revisit: bool = False
    """Whether a revisited agent node starts a fresh conversation."""
    limits: LimitsSpec = field(factory=LimitsSpec)
    """The limits."""

    def sink_ids(self) -> tuple[str, ...]:
        """The nodes with no outgoing edge, in file order."""
        sources = {edge.source for edge in self.edges}
        return tuple(n for n in self.nodes if n not in sources)

    def entry_ids(self) -> tuple[str, ...]:
        """The entry points: those the file lists, or else the nodes without incoming edges."""
        if self.entry_points:
            return self.entry_points
        targets = {edge.target for edge in self.edges}
        return tuple(n for n in self.nodes if n not in targets)
