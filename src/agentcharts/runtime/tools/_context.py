"""What a tool declared with ``context=True`` receives as ``tool_context``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import field, frozen

from agentcharts.schemas.messages import ToolUseBlock

__all__ = ["ToolContext"]


@frozen
class ToolContext:
    """
    The agent, the tool use, and a way to ask a human, given to a tool at call time.

    .. versionadded:: 0.1
    """

    agent: Any
    """The ``Agent`` running the tool."""
    tool_use: ToolUseBlock
    """The model's request: its id, the tool's name and the input."""
    invocation_state: dict[str, Any] = field(factory=dict)
    """Keyword arguments the caller passed to the invocation, shared by every tool."""
    _interrupt: Callable[[str, Any], Any] | None = field(
        default=None, repr=False, alias="_interrupt"
    )

    def interrupt(self, name: str, reason: Any = None) -> Any:
        """
        Ask a human, and return the response once one is given.

        The first call stops the agent with stop reason ``"interrupt"``; the caller answers
        with ``[{"interruptResponse": {"interruptId": ..., "response": ...}}]``, the tool runs
        again from the top, and this time ``interrupt`` returns the response. Code before
        the call therefore runs twice: keep it free of side effects.

        Args:
            name: The interrupt's name, unique among this tool's interrupts.
            reason: Why it is asked: any JSON value, shown to the human.

        Returns:
            The human's response (any JSON value, ``None`` included).
        """
        if self._interrupt is None:
            msg = "this ToolContext was not created by an agent run and cannot interrupt"
            raise RuntimeError(msg)
        return self._interrupt(name, reason)
