"""Everything that does work: agents, graphs, tools, models, limits, timeouts, sessions."""

from __future__ import annotations

from agentcharts.runtime.agent import Agent, AgentResult
from agentcharts.runtime.concurrency import (
    ConcurrencyLimiter,
    ConcurrencyRegistry,
    LimitStats,
    Permit,
    Slot,
)
from agentcharts.runtime.concurrency.redis import RedisConcurrencyRegistry, RedisPermit
from agentcharts.runtime.graph import (
    AfterNodeCallEvent,
    BeforeNodeCallEvent,
    Graph,
    GraphBuilder,
    GraphResult,
    GraphState,
    NodeResult,
    load_stored_session,
)
from agentcharts.runtime.hooks import (
    AfterInvocationEvent,
    AfterModelCallEvent,
    AfterToolCallEvent,
    BeforeInvocationEvent,
    BeforeModelCallEvent,
    BeforeToolCallEvent,
    HookProvider,
    HookRegistry,
)
from agentcharts.runtime.interrupts import Interrupt
from agentcharts.runtime.models import FunctionModel, Model, ModelResponse, ScriptedModel
from agentcharts.runtime.retry import RetryPolicy
from agentcharts.runtime.sessions import (
    FileSessionStore,
    MemorySessionStore,
    PostgresSessionStore,
    SessionStore,
    SQLiteSessionStore,
)
from agentcharts.runtime.tools import (
    ExecutorStats,
    Tool,
    Toolbox,
    ToolConfig,
    ToolContext,
    ToolExecutor,
    tool,
)

__all__ = [
    "AfterInvocationEvent",
    "AfterModelCallEvent",
    "AfterNodeCallEvent",
    "AfterToolCallEvent",
    "Agent",
    "AgentResult",
    "BeforeInvocationEvent",
    "BeforeModelCallEvent",
    "BeforeNodeCallEvent",
    "BeforeToolCallEvent",
    "ConcurrencyLimiter",
    "ConcurrencyRegistry",
    "ExecutorStats",
    "FileSessionStore",
    "FunctionModel",
    "Graph",
    "GraphBuilder",
    "GraphResult",
    "GraphState",
    "HookProvider",
    "HookRegistry",
    "Interrupt",
    "LimitStats",
    "MemorySessionStore",
    "Model",
    "ModelResponse",
    "NodeResult",
    "Permit",
    "PostgresSessionStore",
    "RedisConcurrencyRegistry",
    "RedisPermit",
    "RetryPolicy",
    "SQLiteSessionStore",
    "ScriptedModel",
    "SessionStore",
    "Slot",
    "Tool",
    "ToolConfig",
    "ToolContext",
    "ToolExecutor",
    "Toolbox",
    "load_stored_session",
    "tool",
]
