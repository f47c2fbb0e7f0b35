"""Conversation records: messages, their content blocks, and token usage."""

from __future__ import annotations

from typing import Any, Literal

from attrs import field, frozen

__all__ = [
    "NO_USAGE",
    "ContentBlock",
    "Message",
    "Role",
    "TextBlock",
    "ToolResultBlock",
    "ToolResultStatus",
    "ToolSpec",
    "ToolUseBlock",
    "Usage",
]

Role = Literal["user", "assistant"]
"""Who wrote a message; tool results travel in ``user`` messages."""

ToolResultStatus = Literal["success", "error"]
"""Whether a tool result is the tool's answer or an error the model should see."""


@frozen
class TextBlock:
    """Plain text written by the user or the model."""

    text: str
    """The text."""


@frozen
class ToolUseBlock:
    """A model's request to call a tool."""

    tool_use_id: str
    """The id of this tool use, unique within the conversation."""
    name: str
    """The name of the tool to call."""
    input: dict[str, Any] = field(factory=dict)
    """The arguments, a JSON object."""


@frozen
class ToolResultBlock:
    """The result of one tool use, sent back to the model."""

    tool_use_id: str
    """The id of the tool use this answers."""
    status: ToolResultStatus
    """``"success"`` for the tool's result, ``"error"`` for an error the model should see."""
    content: Any
    """The result: any JSON value (a string, an object, a list...)."""


ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock
"""One block of a message's content."""


@frozen
class Message:
    """One message of a conversation."""

    role: Role
    """``"user"`` or ``"assistant"``."""
    content: tuple[ContentBlock, ...]
    """The blocks, in order."""

    @property
    def text(self) -> str:
        """The message's text blocks joined by newlines."""
        return "\n".join(b.text for b in self.content if isinstance(b, TextBlock))

    @property
    def tool_uses(self) -> tuple[ToolUseBlock, ...]:
        """The tool uses the message requests, in order."""
        return tuple(b for b in self.content if isinstance(b, ToolUseBlock))


@frozen
class Usage:
    """Token usage of one or more model calls."""

    input_tokens: int = 0
    """Tokens sent to the model."""
    output_tokens: int = 0
    """Tokens the model produced."""

    @property
    def total_tokens(self) -> int:
        """Input and output tokens together."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        """Add two usages field by field (an empty one adds nothing, and is not copied)."""
        if not (other.input_tokens or other.output_tokens):
            return self
        if not (self.input_tokens or self.output_tokens):
            return other
        return Usage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )


NO_USAGE = Usage()
"""A usage of nothing; usages are immutable, so this one is shared wherever none was used."""


@frozen
class ToolSpec:
    """What a model is told about a tool: its name, description and input JSON Schema."""

    name: str
    """The tool's name, as the model calls it."""
    description: str
    """What the tool does, for the model."""
    input_schema: dict[str, Any] = field(factory=lambda: {"type": "object", "properties": {}})
    """A JSON Schema (an object schema) for the tool's input."""
