"""
Tools: Python functions a model can call, and how an agent runs them.

The ``tool`` decorator turns a function into a ``Tool`` whose JSON Schema comes from its type
hints (``_schema``) and whose input is validated against it (``_input``). ``ToolContext`` is
what a tool declared with ``context=True`` receives. ``ToolConfig`` sets the per-attempt
timeout, parallelism and retries; ``ToolExecutor`` owns an agent's threads for sync tools; one
tool call's run through its lifecycle (hooks, attempts, timeouts, retries) is in ``_calls``.
"""

from __future__ import annotations

from agentcharts.runtime.tools._config import ToolConfig
from agentcharts.runtime.tools._context import ToolContext
from agentcharts.runtime.tools._executor import ExecutorStats, ToolExecutor
from agentcharts.runtime.tools._tool import NOT_GIVEN, NotGiven, Tool, Toolbox, tool, tool_specs

__all__ = [
    "NOT_GIVEN",
    "ExecutorStats",
    "NotGiven",
    "Tool",
    "ToolConfig",
    "ToolContext",
    "ToolExecutor",
    "Toolbox",
    "tool",
    "tool_specs",
]
