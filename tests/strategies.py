"""Hypothesis strategies for every record of `agentcharts.schemas`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

from hypothesis import strategies as st

from agentcharts.schemas import (
    AgentSnapshot,
    GraphSnapshot,
    InterruptRecord,
    InterruptSource,
    InterruptStatus,
    JournalEntry,
    Message,
    NodeOutput,
    NodeSnapshot,
    RunChange,
    SessionRecord,
    Status,
    TextBlock,
    Timings,
    ToolCallRecord,
    ToolCallStatus,
    ToolResultBlock,
    ToolSpec,
    ToolUseBlock,
    TransitionRecord,
    Usage,
)

__all__ = [
    "agent_snapshots",
    "content_blocks",
    "datetimes",
    "graph_snapshots",
    "interrupt_records",
    "json_objects",
    "json_values",
    "messages",
    "node_outputs",
    "node_snapshots",
    "session_records",
    "text_blocks",
    "timings",
    "tool_call_records",
    "tool_result_blocks",
    "tool_specs",
    "tool_use_blocks",
    "transition_records",
    "usages",
]

names = st.text(min_size=1, max_size=12)
"""Short non-empty names: ids, node ids, tool names."""

counts = st.integers(min_value=0, max_value=2**31)
"""Token counts, attempts, execution counts."""

durations = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
"""Milliseconds spent executing."""

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)

json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value: nested dicts and lists of strings, integers, finite floats, booleans, null."""

json_objects: st.SearchStrategy[dict[str, Any]] = st.dictionaries(
    st.text(max_size=8), json_values, max_size=4
)
"""A JSON object of JSON values."""

datetimes = st.datetimes(
    min_value=datetime(1970, 1, 2),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    timezones=st.just(UTC),
)
"""Timezone-aware UTC datetimes."""

usages = st.builds(Usage, counts, counts)
text_blocks = st.builds(TextBlock, st.text(max_size=40))
tool_use_blocks = st.builds(ToolUseBlock, names, names, json_objects)
tool_result_blocks = st.builds(
    ToolResultBlock, names, st.sampled_from(["success", "error"]), json_values
)
content_blocks = st.one_of(text_blocks, tool_use_blocks, tool_result_blocks)
messages = st.builds(
    Message,
    st.sampled_from(["user", "assistant"]),
    st.lists(content_blocks, max_size=4).map(tuple),
)
tool_specs = st.builds(ToolSpec, names, st.text(max_size=40), json_objects)

interrupt_records = st.builds(
    InterruptRecord,
    id=names,
    name=names,
    reason=json_values,
    response=json_values,
    answered=st.booleans(),
    status=st.sampled_from(InterruptStatus),
    source=st.sampled_from(get_args(InterruptSource)),
    owner=st.text(max_size=12),
    tool_use_id=st.none() | names,
)

tool_call_records = st.builds(
    ToolCallRecord,
    tool_use_id=names,
    name=names,
    input=json_objects,
    status=st.sampled_from(ToolCallStatus),
    attempts=counts,
    result=st.none() | tool_result_blocks,
    last_error=st.none() | st.text(max_size=30),
    interrupt_ids=st.lists(names, max_size=3),
)

agent_snapshots = st.builds(
    AgentSnapshot,
    name=names,
    messages=st.lists(messages, max_size=3).map(tuple),
    state=json_objects,
    pending_tool_calls=st.lists(tool_call_records, max_size=2).map(tuple),
    interrupts=st.lists(interrupt_records, max_size=2).map(tuple),
    usage=usages,
)

node_outputs = st.builds(
    NodeOutput,
    kind=st.sampled_from(["agent", "graph", "function"]),
    text=st.text(max_size=30),
    value=json_values,
    stop_reason=st.none() | names,
    usage=usages,
)

timings = st.builds(
    Timings,
    started_at=st.none() | datetimes,
    updated_at=st.none() | datetimes,
    execution_time_ms=durations,
)

transition_records = st.builds(TransitionRecord, names, names, names, names, names, datetimes)


def node_snapshots(depth: int = 1) -> st.SearchStrategy[NodeSnapshot]:
    """Node snapshots whose nested graphs go at most ``depth`` levels down."""
    nested = st.none() if depth <= 0 else st.none() | graph_snapshots(depth - 1)
    return st.builds(
        NodeSnapshot,
        node_id=names,
        status=st.sampled_from(Status),
        execution_count=counts,
        inputs=st.lists(names, max_size=3).map(tuple),
        output=st.none() | node_outputs,
        error=st.none() | st.text(max_size=30),
        agent=st.none() | agent_snapshots,
        graph=nested,
        execution_time_ms=durations,
        answered=st.booleans(),
        resume_input=json_values,
    )


def graph_snapshots(depth: int = 1) -> st.SearchStrategy[GraphSnapshot]:
    """Graph snapshots whose nodes nest graphs at most ``depth`` levels down."""
    return st.builds(
        GraphSnapshot,
        status=st.sampled_from(Status),
        task=st.none() | st.text(max_size=30),
        nodes=st.dictionaries(names, node_snapshots(depth), max_size=2),
        execution_order=st.lists(names, max_size=3).map(tuple),
        pending_inputs=st.dictionaries(names, st.lists(names, max_size=2).map(tuple), max_size=2),
        interrupts=st.lists(interrupt_records, max_size=2).map(tuple),
        timings=timings,
        usage=usages,
        error=st.none() | st.text(max_size=30),
    )


session_records = st.builds(
    SessionRecord,
    session_id=names,
    graph=graph_snapshots(),
    transitions=st.lists(transition_records, max_size=3).map(tuple),
)


run_changes = st.builds(
    RunChange,
    status=st.sampled_from(Status),
    timings=timings,
    error=st.none() | st.text(max_size=30),
)

journal_entries = st.builds(
    JournalEntry,
    kind=st.sampled_from(["node", "run", "claim"]),
    event=names,
    at=datetimes,
    node=st.none() | node_snapshots(0),
    consumed=st.lists(names, max_size=3).map(tuple),
    fired=st.lists(names, max_size=3).map(tuple),
    run=st.none() | run_changes,
    answers=st.dictionaries(names, json_values, max_size=2),
    interrupts=st.none() | st.lists(interrupt_records, max_size=2).map(tuple),
    usage=st.none() | usages,
    transitions=st.lists(transition_records, max_size=2).map(tuple),
)
