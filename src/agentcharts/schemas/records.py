"""The persisted records: interrupts, tool calls, and agent, node and graph snapshots.

Records that a lifecycle machine drives are mutable (``@define``): the machine writes their
``status``. Everything else is frozen. Every record round-trips through the converter in
:mod:`agentcharts.schemas.converter` to JSON and back without loss.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from attrs import define, field, frozen

from agentcharts.schemas.messages import Message, ToolResultBlock, Usage
from agentcharts.schemas.status import InterruptStatus, Status, ToolCallStatus
from agentcharts.schemas.trace import TransitionRecord

__all__ = [
    "AgentSnapshot",
    "GraphSnapshot",
    "InterruptRecord",
    "InterruptSource",
    "JournalEntry",
    "NodeOutput",
    "NodeSnapshot",
    "RunChange",
    "SessionRecord",
    "Timings",
    "ToolCallRecord",
]

InterruptSource = Literal["tool", "before_tool_call", "before_node_call"]
"""Where an interrupt was raised: a tool body, a before-tool-call hook, a before-node-call hook."""


@define
class InterruptRecord:
    """
    One interrupt: a question for a human, its response, and its lifecycle state.

    ``answered`` is explicit so that ``None``, ``False`` and ``""`` are valid responses.
    """

    id: str
    """Deterministic per (owner, tool use or node, interrupt name)."""
    name: str
    """The name the tool or hook gave it (``"weather_approval"``)."""
    reason: Any = None
    """Why it was raised: any JSON value, shown to the human."""
    response: Any = None
    """The human's response, once given."""
    answered: bool = False
    """Whether a response was given (a ``None`` response counts)."""
    status: InterruptStatus = InterruptStatus.PENDING
    """Its lifecycle state."""
    source: InterruptSource = "tool"
    """Where it was raised."""
    owner: str = ""
    """Who raised it: the agent's name, or the node path inside a graph."""
    tool_use_id: str | None = None
    """The tool use it belongs to, for tool and before-tool-call interrupts."""


@define
class ToolCallRecord:
    """One tool call of an agent's turn: its input, attempts, result and lifecycle state."""

    tool_use_id: str
    """The model's id for this tool use."""
    name: str
    """The tool's name."""
    input: dict[str, Any] = field(factory=dict)
    """The arguments the model gave."""
    status: ToolCallStatus = ToolCallStatus.PENDING
    """Its lifecycle state."""
    attempts: int = 0
    """How many attempts have started."""
    result: ToolResultBlock | None = None
    """The result sent to the model, once the call has settled."""
    last_error: str | None = None
    """The last attempt's error, as ``"Type: message"``."""
    interrupt_ids: list[str] = field(factory=list)
    """The interrupts this call raised, in order."""


@frozen
class AgentSnapshot:
    """The complete state of an agent: enough to resume it in another process."""

    name: str
    """The agent's name."""
    messages: tuple[Message, ...] = ()
    """The conversation so far."""
    state: dict[str, Any] = field(factory=dict)
    """The agent's key-value state (JSON values)."""
    pending_tool_calls: tuple[ToolCallRecord, ...] = ()
    """The tool calls of the interrupted turn, settled ones included, in the model's order."""
    interrupts: tuple[InterruptRecord, ...] = ()
    """The interrupts of the interrupted turn, pending and settled."""
    usage: Usage = field(factory=Usage)
    """Token usage accumulated over the agent's invocations."""


@frozen
class NodeOutput:
    """What a node produced: the text handed to successors, and the structured value."""

    kind: Literal["agent", "graph", "function"]
    """What kind of executor produced it."""
    text: str
    """The text successors receive (an agent's final answer)."""
    value: Any = None
    """A function node's return value, as JSON; ``None`` for agents and graphs."""
    stop_reason: str | None = None
    """An agent's stop reason."""
    usage: Usage = field(factory=Usage)
    """Token usage of this execution."""


@frozen
class NodeSnapshot:
    """The state of one node of a graph."""

    node_id: str
    """The node's id."""
    status: Status = Status.PENDING
    """Its lifecycle state."""
    execution_count: int = 0
    """How many times it has started executing (revisits included, resumes not)."""
    inputs: tuple[str, ...] = ()
    """The predecessors whose outputs form the current execution's input (``"__task__"`` for
    the task itself)."""
    output: NodeOutput | None = None
    """Its latest output, once completed."""
    error: str | None = None
    """Why it failed, as ``"Type: message"``."""
    agent: AgentSnapshot | None = None
    """The agent's state, for agent nodes that have run."""
    graph: GraphSnapshot | None = None
    """The nested graph's state, for graph nodes that have run."""
    execution_time_ms: float = 0.0
    """Time spent executing, summed over executions; waiting for humans is not counted."""
    answered: bool = False
    """Whether responses for its interrupts were received and it resumes (or resumed) with
    them: set from the answer until the execution ends, so a crash never loses an answer."""
    resume_input: Any = None
    """What it resumes with, when ``answered``: the interrupt-response blocks for its agent
    or nested graph (``None`` when only before-node hooks were answered; those answers are
    in the graph's ``interrupts``)."""


@frozen
class Timings:
    """When a graph run started and how long it has spent executing."""

    started_at: datetime | None = None
    """When the run first started (UTC)."""
    updated_at: datetime | None = None
    """When the run last changed state (UTC)."""
    execution_time_ms: float = 0.0
    """Time spent executing, summed over invocations; waiting for humans is not counted."""


@frozen
class GraphSnapshot:
    """The complete state of a graph run: enough to resume it in another process."""

    status: Status = Status.PENDING
    """The graph's lifecycle state."""
    task: str | None = None
    """The task the run was given."""
    nodes: dict[str, NodeSnapshot] = field(factory=dict)
    """Every node's state, by node id."""
    execution_order: tuple[str, ...] = ()
    """The nodes in the order they finished executing."""
    pending_inputs: dict[str, tuple[str, ...]] = field(factory=dict)
    """For each node, the predecessors whose edges fired and were not consumed yet, in order;
    ``"__task__"`` marks an entry point's start."""
    interrupts: tuple[InterruptRecord, ...] = ()
    """The interrupts of the run: pending ones, and settled ones that a hook may read again."""
    timings: Timings = field(factory=Timings)
    """Start time and time spent executing."""
    usage: Usage = field(factory=Usage)
    """Token usage accumulated over every node."""
    error: str | None = None
    """Why the graph failed, as ``"Type: message"``."""

    @property
    def pending_interrupts(self) -> tuple[InterruptRecord, ...]:
        """The interrupts still waiting for a response."""
        return tuple(i for i in self.interrupts if i.status is InterruptStatus.PENDING)


@frozen
class RunChange:
    """A change of a graph run's own state, as a journal entry records it."""

    status: Status
    """The graph's lifecycle state after the change."""
    timings: Timings = field(factory=Timings)
    """Start time and time spent executing, after the change."""
    error: str | None = None
    """Why the graph failed, after the change."""


@frozen
class JournalEntry:
    """
    One change of a stored run: what a session's journal holds after its snapshot.

    ``kind`` says what changed: ``"node"`` (one node's lifecycle event; ``node`` is the node
    after it), ``"run"`` (the graph's lifecycle event; ``run`` is its state after it) or
    ``"claim"`` (an invocation took the run over to resume or recover it; appending the
    claim is the compare-and-set that makes a second claimer lose before it runs anything).
    Loading replays the entries after the snapshot through the lifecycles, in order.

    .. versionadded:: 0.2
    """

    kind: Literal["node", "run", "claim"]
    """What changed."""
    event: str
    """The lifecycle event (``"start"``, ``"complete"``...); for a claim, ``"resume"`` or
    ``"recover"``."""
    at: datetime
    """When it happened (UTC)."""
    node: NodeSnapshot | None = None
    """For a node entry: the node after the event."""
    consumed: tuple[str, ...] = ()
    """For a node's ``start``: the pending inputs it consumed (in the same entry, so
    consuming the inputs and starting are one fact)."""
    fired: tuple[str, ...] = ()
    """For a node's ``complete``: the targets of the edges that fired, in order; each gets
    the node as a pending input."""
    run: RunChange | None = None
    """For a run entry: the run's state after the event."""
    answers: dict[str, Any] = field(factory=dict)
    """For a run's ``resume``: each answered node's resume input (see
    :attr:`NodeSnapshot.resume_input`), recorded before any node resumes."""
    interrupts: tuple[InterruptRecord, ...] | None = None
    """The run's before-node-call interrupts after the event, when it may have changed them
    (``None``: unchanged)."""
    usage: Usage | None = None
    """The run's accumulated token usage after the event, when it changed."""
    transitions: tuple[TransitionRecord, ...] = ()
    """The lifecycle transitions since the previous entry."""


@frozen
class SessionRecord:
    """What a session store holds for one session: the graph's state and its transitions."""

    session_id: str
    """The session's id."""
    graph: GraphSnapshot
    """The graph run's state."""
    transitions: tuple[TransitionRecord, ...] = ()
    """Every lifecycle transition of the run, in order."""
