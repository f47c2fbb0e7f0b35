"""What an agent invocation returns."""

from __future__ import annotations

from typing import Literal

from attrs import field, frozen

from agentcharts.runtime.interrupts import Interrupt
from agentcharts.schemas.messages import Message, Usage

__all__ = ["AgentResult", "StopReason"]

StopReason = Literal["end_turn", "interrupt", "max_turns", "max_tokens"]
"""Why an agent stopped: a final answer, an interrupt, the turn limit, or the token limit."""


@frozen
class AgentResult:
    """
    The outcome of one agent invocation; ``str(result)`` is the final text.

    .. versionadded:: 0.1
    """

    stop_reason: StopReason
    """Why the agent stopped."""
    message: Message | None
    """The last assistant message (with the tool uses, when interrupted)."""
    interrupts: tuple[Interrupt, ...] = ()
    """The interrupts waiting for a response, when ``stop_reason == "interrupt"``."""
    usage: Usage = field(factory=Usage)
    """Token usage of this invocation."""

    @property
    def text(self) -> str:
        """The final message's text ("" when there is none)."""
        return self.message.text if self.message is not None else ""

    def __str__(self) -> str:
        """Return the final text, or a line per pending interrupt when interrupted."""
        if self.stop_reason == "interrupt":
            return "\n".join(f"interrupt {i.name!r} ({i.id}): {i.reason}" for i in self.interrupts)
        return self.text
