"""
The data of agentcharts: the persisted records and their JSON format.

- the records (attrs classes): messages and their content blocks, tool calls, interrupts,
  agent, node and graph snapshots, sessions, transitions;
- the status enums shared with the lifecycle machines, and the typed ids;
- the converter (:func:`make_converter`) and the JSON helpers (:func:`dumps`, :func:`loads`);
- the versioned envelope (:func:`dump_session`, :func:`load_session`, :data:`CURRENT_VERSION`),
  its migrations and its JSON Schema.

See ``docs/reference/persisted-format.md`` for the format itself.
"""

from __future__ import annotations

from agentcharts.schemas.converter import (
    TAGGED_UNIONS,
    TaggedUnion,
    configure_converter,
    dumps,
    loads,
    make_converter,
    structure,
    unstructure,
)
from agentcharts.schemas.ids import GraphID, InterruptID, NodeID, RunID, SessionID, ToolCallID
from agentcharts.schemas.jsonschema import agent_schema, session_schema
from agentcharts.schemas.messages import (
    ContentBlock,
    Message,
    Role,
    TextBlock,
    ToolResultBlock,
    ToolResultStatus,
    ToolSpec,
    ToolUseBlock,
    Usage,
)
from agentcharts.schemas.migrations import CURRENT_VERSION, MIGRATIONS, Migration, migrate
from agentcharts.schemas.persisted import (
    AGENT_FORMAT,
    ENTRY_FORMAT,
    SESSION_FORMAT,
    dump_agent,
    dump_entry,
    dump_session,
    load_agent,
    load_entry,
    load_session,
)
from agentcharts.schemas.records import (
    AgentSnapshot,
    GraphSnapshot,
    InterruptRecord,
    InterruptSource,
    JournalEntry,
    NodeOutput,
    NodeSnapshot,
    RunChange,
    SessionRecord,
    Timings,
    ToolCallRecord,
)
from agentcharts.schemas.status import InterruptStatus, Status, ToolCallStatus
from agentcharts.schemas.trace import TransitionRecord

__all__ = [
    "AGENT_FORMAT",
    "CURRENT_VERSION",
    "ENTRY_FORMAT",
    "MIGRATIONS",
    "SESSION_FORMAT",
    "TAGGED_UNIONS",
    "AgentSnapshot",
    "ContentBlock",
    "GraphID",
    "GraphSnapshot",
    "InterruptID",
    "InterruptRecord",
    "InterruptSource",
    "InterruptStatus",
    "JournalEntry",
    "Message",
    "Migration",
    "NodeID",
    "NodeOutput",
    "NodeSnapshot",
    "Role",
    "RunChange",
    "RunID",
    "SessionID",
    "SessionRecord",
    "Status",
    "TaggedUnion",
    "TextBlock",
    "Timings",
    "ToolCallID",
    "ToolCallRecord",
    "ToolCallStatus",
    "ToolResultBlock",
    "ToolResultStatus",
    "ToolSpec",
    "ToolUseBlock",
    "TransitionRecord",
    "Usage",
    "agent_schema",
    "configure_converter",
    "dump_agent",
    "dump_entry",
    "dump_session",
    "dumps",
    "load_agent",
    "load_entry",
    "load_session",
    "loads",
    "make_converter",
    "migrate",
    "session_schema",
    "structure",
    "unstructure",
]
