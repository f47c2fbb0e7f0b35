"""agentcharts: multi-agent LLM workflows as graphs whose lifecycles are explicit state machines."""

from __future__ import annotations

import contextlib

import attrs

from agentcharts.exceptions import (
    AgentchartsError,
    CorruptSessionError,
    DefinitionError,
    ExecutionError,
    IllegalTransitionError,
    InterruptError,
    NodeFailures,
    NotInterruptedError,
    PersistenceError,
    ResumeInputError,
    SessionConflictError,
    ToolError,
    ToolTimeoutError,
    UnknownInterruptError,
)
from agentcharts.runtime import (
    AfterInvocationEvent,
    AfterModelCallEvent,
    AfterNodeCallEvent,
    AfterToolCallEvent,
    Agent,
    AgentResult,
    BeforeInvocationEvent,
    BeforeModelCallEvent,
    BeforeNodeCallEvent,
    BeforeToolCallEvent,
    ConcurrencyRegistry,
    FileSessionStore,
    FunctionModel,
    Graph,
    GraphBuilder,
    GraphResult,
    GraphState,
    HookProvider,
    HookRegistry,
    Interrupt,
    MemorySessionStore,
    Model,
    NodeResult,
    PostgresSessionStore,
    RedisConcurrencyRegistry,
    RetryPolicy,
    ScriptedModel,
    SessionStore,
    SQLiteSessionStore,
    Tool,
    ToolConfig,
    ToolContext,
    load_stored_session,
    tool,
)
from agentcharts.schemas.status import Status

__version__ = "0.1.0"

__all__ = [
    "AfterInvocationEvent",
    "AfterModelCallEvent",
    "AfterNodeCallEvent",
    "AfterToolCallEvent",
    "Agent",
    "AgentResult",
    "AgentchartsError",
    "BeforeInvocationEvent",
    "BeforeModelCallEvent",
    "BeforeNodeCallEvent",
    "BeforeToolCallEvent",
    "ConcurrencyRegistry",
    "CorruptSessionError",
    "DefinitionError",
    "ExecutionError",
    "FileSessionStore",
    "FunctionModel",
    "Graph",
    "GraphBuilder",
    "GraphResult",
    "GraphState",
    "HookProvider",
    "HookRegistry",
    "IllegalTransitionError",
    "Interrupt",
    "InterruptError",
    "MemorySessionStore",
    "Model",
    "NodeFailures",
    "NodeResult",
    "NotInterruptedError",
    "PersistenceError",
    "PostgresSessionStore",
    "RedisConcurrencyRegistry",
    "ResumeInputError",
    "RetryPolicy",
    "SQLiteSessionStore",
    "ScriptedModel",
    "SessionConflictError",
    "SessionStore",
    "Status",
    "Tool",
    "ToolConfig",
    "ToolContext",
    "ToolError",
    "ToolTimeoutError",
    "UnknownInterruptError",
    "load_stored_session",
    "tool",
]


def _fix_public_paths() -> None:
    """Show ``agentcharts.Graph`` rather than ``agentcharts.runtime.graph._graph.Graph``."""
    for name in __all__:
        value = globals()[name]
        if attrs.has(value):
            # resolve the annotations while they can still be looked up in their own module;
            # classes whose annotations name type-checking-only imports are never structured
            with contextlib.suppress(NameError):
                attrs.resolve_types(value)
        if isinstance(value, type) or callable(value):
            try:
                value.__module__ = __name__
            except (AttributeError, TypeError):  # pragma: no cover - builtins refuse it
                continue


_fix_public_paths()
