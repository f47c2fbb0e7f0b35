"""
The wrapper-layer tool timeout of graph files and the command line.

``tool_timeout: N`` on an agent in a graph file, or ``--tool-timeout N`` on the command
line, wraps each of the agent's tools so that an attempt running longer than ``N`` seconds
*returns* the JSON string::

    {"error": "tool_timeout", "tool": "<function name>", "timeout_seconds": N}

instead of raising. This is the wrapper layer's shape; it differs from what
``ToolConfig(timeout=N)`` gives the model (the dict
``{"error": "Tool timed out after Ns", "timeout": True}``, which the retry policy sees as a
timeout). Because the wrapper returns normally, the tool call *succeeds* with that string
and is not retried.

An ``async`` tool is cancelled at the deadline. A sync tool runs on a daemon thread of its
own; at the deadline the thread is abandoned (it cannot be killed in-process) and keeps
running until the function returns, without ever blocking the process's exit.

.. versionadded:: 0.1
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import math
import threading
from typing import Any

from agentcharts.exceptions import InvalidSettingError
from agentcharts.runtime.tools._tool import Tool, tool

__all__ = ["timeout_payload", "with_tool_timeout"]


def _seconds(value: object) -> float | int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidSettingError("tool_timeout", value, "a positive number of seconds")
    return int(value) if float(value).is_integer() else float(value)


def timeout_payload(function_name: str, seconds: float) -> str:
    """
    Return the JSON string a timed-out wrapped tool returns.

    Args:
        function_name: The tool function's ``__name__``.
        seconds: The timeout, in seconds (a whole number is written without ``.0``).

    Returns:
        ``{"error": "tool_timeout", "tool": function_name, "timeout_seconds": seconds}`` as
        JSON text.

    Raises:
        InvalidSettingError: ``seconds`` is not a positive number.
    """
    payload = {"error": "tool_timeout", "tool": function_name, "timeout_seconds": _seconds(seconds)}
    return json.dumps(payload)


def _run_on_daemon(fn: Any, kwargs: dict[str, Any], seconds: float) -> tuple[bool, Any] | None:
    """Run ``fn(**kwargs)`` on a daemon thread; ``None`` when it outlives ``seconds``."""
    outcome: list[tuple[bool, Any]] = []
    context = contextvars.copy_context()

    def target() -> None:
        try:
            outcome.append((True, context.run(fn, **kwargs)))
        except BaseException as error:  # noqa: BLE001 - handed to the waiting caller
            outcome.append((False, error))

    name = f"tool-timeout-{getattr(fn, '__name__', 'tool')}"
    worker = threading.Thread(target=target, name=name, daemon=True)
    worker.start()
    worker.join(seconds)
    return outcome[0] if outcome else None


def with_tool_timeout(target: Tool[Any] | Any, seconds: float) -> Tool[Any]:
    """
    Wrap a tool so that an attempt past ``seconds`` returns the timeout JSON string.

    The new tool keeps the name, description, input schema, ``context`` flag and decorator
    options of the original; only the function it calls changes.

    Args:
        target: A ``Tool`` (from ``@tool``) or a plain function (wrapped with ``tool``).
        seconds: The timeout of each attempt, in seconds.

    Returns:
        The wrapped tool.

    Raises:
        InvalidSettingError: ``seconds`` is not a positive number.
        DefinitionError: ``target`` cannot be a tool.
    """
    limit = _seconds(seconds)
    original = target if isinstance(target, Tool) else tool(target)
    fn = original.fn
    payload = timeout_payload(fn.__name__, limit)
    if original.is_async:

        @functools.wraps(fn)
        async def timed_async(**kwargs: Any) -> Any:
            scope = asyncio.timeout(limit)
            try:
                async with scope:
                    return await fn(**kwargs)
            except TimeoutError:
                if scope.expired():
                    return payload
                raise

        wrapper: Any = timed_async
    else:

        @functools.wraps(fn)
        def timed_sync(**kwargs: Any) -> Any:
            outcome = _run_on_daemon(fn, kwargs, limit)
            if outcome is None:
                return payload
            ok, value = outcome
            if ok:
                return value
            raise value

        wrapper = timed_sync
    return Tool(
        wrapper,
        name=original.name,
        description=original.description,
        context=original.takes_context,
        **original.overrides(),
    )
