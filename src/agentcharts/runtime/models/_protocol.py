"""The model protocol: what an agent calls, and what a model gives back."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias, runtime_checkable

from attrs import frozen

from agentcharts.schemas.messages import Message, ToolUseBlock, Usage

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from agentcharts.schemas.messages import ToolSpec

__all__ = [
    "Model",
    "ModelBase",
    "ModelResponse",
    "ModelStreamEvent",
    "StopReason",
    "TextDelta",
]

StopReason: TypeAlias = Literal["end_turn", "tool_use", "max_tokens"]
"""
Why the model stopped: its turn is over, it asks for tools, or it hit its token limit.

.. versionadded:: 0.1
"""


@frozen
class ModelResponse:
    """
    One complete model turn: the assistant message, why it stopped, and what it cost.

    .. versionadded:: 0.1
    """

    message: Message
    """The assistant message: text blocks and/or tool use blocks."""
    stop_reason: StopReason
    """``"tool_use"`` when the message asks for tools, else ``"end_turn"`` or ``"max_tokens"``."""
    usage: Usage
    """The tokens this call used."""

    @property
    def text(self) -> str:
        """The message's text blocks joined by newlines."""
        return self.message.text

    @property
    def tool_uses(self) -> tuple[ToolUseBlock, ...]:
        """The tool uses the message requests, in order."""
        return self.message.tool_uses


@frozen
class TextDelta:
    """
    A piece of the model's text, yielded by ``Model.stream`` as it arrives.

    .. versionadded:: 0.1
    """

    text: str
    """The new text; the deltas of one turn concatenate to the response's text."""


ModelStreamEvent: TypeAlias = TextDelta | ModelResponse
"""What ``Model.stream`` yields: text deltas, then exactly one ``ModelResponse`` last."""


@runtime_checkable
class Model(Protocol):
    """
    What an agent needs from a model: one turn, whole or streamed.

    A model is stateless with respect to a conversation: everything it needs is in the
    messages it is given, so the same model object can serve many agents, and a restored
    conversation continues where it stopped.

    .. versionadded:: 0.1
    """

    async def complete(
        self,
        messages: Sequence[Message],
        tool_specs: Sequence[ToolSpec],
        system_prompt: str | None,
    ) -> ModelResponse:
        """
        Produce the next assistant turn.

        Args:
            messages: The conversation so far, oldest first.
            tool_specs: The tools the model may call.
            system_prompt: The system prompt, if any.

        Returns:
            The assistant's turn.

        Raises:
            ModelError: The model could not produce a turn (a subclass says why).
        """
        ...

    def stream(
        self,
        messages: Sequence[Message],
        tool_specs: Sequence[ToolSpec],
        system_prompt: str | None,
    ) -> AsyncIterator[ModelStreamEvent]:
        """
        Produce the next assistant turn as it is generated.

        Args:
            messages: The conversation so far, oldest first.
            tool_specs: The tools the model may call.
            system_prompt: The system prompt, if any.

        Returns:
            An async iterator of :class:`TextDelta` events that ends with exactly one
            :class:`ModelResponse`.

        Raises:
            ModelError: The model could not produce a turn (a subclass says why).
        """
        ...


class ModelBase(abc.ABC):
    """
    A base for models that cannot stream: ``stream`` falls back to ``complete``.

    Subclasses implement ``complete``; the inherited ``stream`` yields the whole text as one
    :class:`TextDelta` (none when the turn has no text) and then the response.

    .. versionadded:: 0.1
    """

    @abc.abstractmethod
    async def complete(
        self,
        messages: Sequence[Message],
        tool_specs: Sequence[ToolSpec],
        system_prompt: str | None,
    ) -> ModelResponse:
        """
        Produce the next assistant turn; subclasses must implement it.

        Args:
            messages: The conversation so far, oldest first.
            tool_specs: The tools the model may call.
            system_prompt: The system prompt, if any.

        Returns:
            The assistant's turn.
        """

    async def stream(
        self,
        messages: Sequence[Message],
        tool_specs: Sequence[ToolSpec],
        system_prompt: str | None,
    ) -> AsyncIterator[ModelStreamEvent]:
        """
        Call ``complete`` and yield its text as one delta, then the response.

        Args:
            messages: The conversation so far, oldest first.
            tool_specs: The tools the model may call.
            system_prompt: The system prompt, if any.

        Yields:
            At most one :class:`TextDelta`, then the :class:`ModelResponse`.
        """
        response = await self.complete(messages, tool_specs, system_prompt)
        if response.text:
            yield TextDelta(response.text)
        yield response
