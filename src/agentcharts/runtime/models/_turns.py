"""
The script format shared by ``ScriptedModel`` and ``FunctionModel``.

A turn is either a ``str`` (the assistant's final text) or a non-empty list of tool calls
``{"name": str, "input": dict, "id": str}`` (``input`` and ``id`` optional). This module
checks turns, numbers them from the conversation, and turns them into responses.
"""

from __future__ import annotations

import abc
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from attrs import frozen

from agentcharts.runtime.models._protocol import ModelResponse, TextDelta
from agentcharts.schemas.messages import (
    Message,
    TextBlock,
    ToolUseBlock,
    Usage,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from agentcharts.runtime.models._protocol import ModelStreamEvent, StopReason
    from agentcharts.schemas.messages import ContentBlock, ToolSpec

__all__ = [
    "CHARS_PER_TOKEN",
    "PlannedCall",
    "ToolCallSpec",
    "Turn",
    "TurnFormatError",
    "TurnModel",
    "assistant_turn_index",
    "build_response",
    "default_tool_use_id",
    "estimate_tokens",
    "parse_turn",
    "word_deltas",
]

ToolCallSpec: TypeAlias = Mapping[str, Any]
"""One scripted tool call: ``{"name": str, "input": dict, "id": str}``; input and id optional."""

Turn: TypeAlias = str | Sequence[ToolCallSpec]
"""One scripted turn: the final text, or the tool calls to request."""

CHARS_PER_TOKEN = 4
"""The scripted models count one token per four characters (rounded down)."""

_CALL_KEYS = frozenset({"name", "input", "id"})
_WORD = re.compile(r"\s*\S+\s*|\s+")


class TurnFormatError(ValueError):
    """A turn is not in the script format; the callers re-raise it as a typed error."""


@frozen
class PlannedCall:
    """A checked tool call of a turn."""

    name: str
    """The tool to call."""
    input: dict[str, Any]
    """The arguments."""
    tool_use_id: str | None
    """The id the script gave, or ``None`` for the default one."""


def _parse_call(call: object, position: int) -> PlannedCall:
    """
    Check one tool call of a turn.

    Args:
        call: The call as the script gave it.
        position: Its index in the turn, for messages.

    Returns:
        The checked call.

    Raises:
        TurnFormatError: The call is malformed.
    """
    where = f"tool call {position}"
    if not isinstance(call, Mapping):
        raise TurnFormatError(f"{where} must be a dict, got {type(call).__name__}")
    unknown = sorted(str(key) for key in call if key not in _CALL_KEYS)
    if unknown:
        raise TurnFormatError(
            f"{where} has unknown key(s) {', '.join(map(repr, unknown))}; "
            "allowed: 'name', 'input', 'id'"
        )
    name = call.get("name")
    if not isinstance(name, str) or not name:
        raise TurnFormatError(f"{where} needs a 'name' that is a non-empty str, got {name!r}")
    arguments = call.get("input", {})
    if not isinstance(arguments, dict) or not all(isinstance(k, str) for k in arguments):
        raise TurnFormatError(
            f"{where} ({name!r}) needs an 'input' that is a dict with str keys, "
            f"got {type(arguments).__name__}"
        )
    try:
        json.dumps(arguments)
    except (TypeError, ValueError) as error:
        raise TurnFormatError(
            f"{where} ({name!r}) has an input that is not JSON: {error}"
        ) from None
    tool_use_id = call.get("id")
    if tool_use_id is not None and (not isinstance(tool_use_id, str) or not tool_use_id):
        raise TurnFormatError(f"{where} ({name!r}) has an 'id' that is not a non-empty str")
    return PlannedCall(name, dict(arguments), tool_use_id)


def parse_turn(turn: object) -> str | tuple[PlannedCall, ...]:
    """
    Check a turn and return it in its checked form.

    Args:
        turn: A ``str`` or a list (or tuple) of tool call dicts.

    Returns:
        The text, or the checked tool calls.

    Raises:
        TurnFormatError: The turn is malformed; the message says what is wrong.
    """
    if isinstance(turn, str):
        return turn
    if not isinstance(turn, (list, tuple)):
        raise TurnFormatError(
            f"a turn must be a str or a list of tool calls, got {type(turn).__name__}"
        )
    if not turn:
        raise TurnFormatError("a tool-call turn must hold at least one call")
    calls = tuple(_parse_call(call, position) for position, call in enumerate(turn))
    ids = [c.tool_use_id for c in calls if c.tool_use_id is not None]
    if len(ids) != len(set(ids)):
        raise TurnFormatError(f"tool call ids repeat within the turn: {ids}")
    return calls


def assistant_turn_index(messages: Sequence[Message]) -> int:
    """
    Number the next turn: how many assistant messages the conversation already holds.

    Args:
        messages: The conversation so far.

    Returns:
        The 0-based index of the turn the model is asked for.
    """
    return sum(1 for message in messages if message.role == "assistant")


def default_tool_use_id(turn_index: int, call_index: int) -> str:
    """
    Return the deterministic id of a tool use that was given none.

    Args:
        turn_index: The turn's index (the number of earlier assistant messages).
        call_index: The call's index within the turn.

    Returns:
        ``"tooluse_{turn_index}_{call_index}"``, unique within one conversation.
    """
    return f"tooluse_{turn_index}_{call_index}"


def _json_text(value: Any) -> str:
    """Return a value as JSON text, with sorted keys, for counting characters."""
    return json.dumps(value, sort_keys=True, default=str)


def _block_chars(block: ContentBlock) -> int:
    """Count the characters of one block: text, tool name plus input JSON, or result."""
    if isinstance(block, TextBlock):
        return len(block.text)
    if isinstance(block, ToolUseBlock):
        return len(block.name) + len(_json_text(block.input))
    content = block.content
    return len(content) if isinstance(content, str) else len(_json_text(content))


def estimate_tokens(blocks: Sequence[ContentBlock], extra: str = "") -> int:
    """
    Count tokens the scripted way: characters // ``CHARS_PER_TOKEN``.

    Args:
        blocks: The blocks to count.
        extra: More text to count (the system prompt).

    Returns:
        The token count.
    """
    return (sum(_block_chars(b) for b in blocks) + len(extra)) // CHARS_PER_TOKEN


def build_response(
    turn: str | tuple[PlannedCall, ...],
    turn_index: int,
    messages: Sequence[Message],
    system_prompt: str | None,
) -> ModelResponse:
    """
    Turn a checked turn into the model's response.

    Args:
        turn: The checked turn.
        turn_index: The turn's index, for default tool use ids.
        messages: The conversation the turn answers, for the usage.
        system_prompt: The system prompt, for the usage.

    Returns:
        The response: ``"end_turn"`` with one text block for a text turn, ``"tool_use"``
        with one tool use block per call for a tool-call turn.
    """
    if isinstance(turn, str):
        content: tuple[ContentBlock, ...] = (TextBlock(turn),)
        stop_reason: StopReason = "end_turn"
    else:
        content = tuple(
            ToolUseBlock(
                call.tool_use_id or default_tool_use_id(turn_index, i), call.name, call.input
            )
            for i, call in enumerate(turn)
        )
        stop_reason = "tool_use"
    sent = [block for message in messages for block in message.content]
    usage = Usage(estimate_tokens(sent, system_prompt or ""), estimate_tokens(content))
    return ModelResponse(Message("assistant", content), stop_reason, usage)


def word_deltas(text: str) -> list[str]:
    """
    Split text into word-sized pieces that concatenate back to it.

    Args:
        text: The text.

    Returns:
        Each word with the whitespace around it; empty for empty text.
    """
    return _WORD.findall(text)


class TurnModel(abc.ABC):
    """A base for models that produce turns in the script format, numbered by the conversation."""

    @abc.abstractmethod
    async def _turn(
        self, messages: Sequence[Message], tool_specs: Sequence[ToolSpec], turn_index: int
    ) -> str | tuple[PlannedCall, ...]:
        """
        Produce the checked turn with this index.

        Args:
            messages: The conversation so far.
            tool_specs: The tools the model may call.
            turn_index: The number of assistant messages in ``messages``.

        Returns:
            The checked turn.
        """

    async def complete(
        self,
        messages: Sequence[Message],
        tool_specs: Sequence[ToolSpec],
        system_prompt: str | None,
    ) -> ModelResponse:
        """
        Produce the next turn of the conversation.

        Args:
            messages: The conversation so far; its assistant messages number the turn.
            tool_specs: The tools the model may call.
            system_prompt: The system prompt (only counted in the usage).

        Returns:
            The turn as a response.
        """
        turn_index = assistant_turn_index(messages)
        turn = await self._turn(messages, tool_specs, turn_index)
        return build_response(turn, turn_index, messages, system_prompt)

    async def stream(
        self,
        messages: Sequence[Message],
        tool_specs: Sequence[ToolSpec],
        system_prompt: str | None,
    ) -> AsyncIterator[ModelStreamEvent]:
        """
        Produce the next turn, its text in word-sized deltas, then the response.

        Args:
            messages: The conversation so far; its assistant messages number the turn.
            tool_specs: The tools the model may call.
            system_prompt: The system prompt (only counted in the usage).

        Yields:
            A :class:`TextDelta` per word of a text turn, then the :class:`ModelResponse`.
        """
        response = await self.complete(messages, tool_specs, system_prompt)
        for piece in word_deltas(response.text):
            yield TextDelta(piece)
        yield response
