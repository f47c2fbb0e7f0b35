"""The OpenAI chat-completions wire format: requests out, completions in."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from agentcharts.exceptions import DefinitionError, ModelResponseError
from agentcharts.runtime.models._protocol import ModelResponse
from agentcharts.runtime.models._turns import default_tool_use_id
from agentcharts.schemas.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock, Usage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from agentcharts.runtime.models._protocol import StopReason
    from agentcharts.schemas.messages import ContentBlock, ToolSpec

__all__ = [
    "RawToolCall",
    "assemble_response",
    "parse_arguments",
    "parse_completion",
    "parse_usage",
    "request_body",
    "stop_reason_of",
    "wire_messages",
    "wire_tools",
]

RawToolCall = tuple[str | None, str, object]
"""A tool call as the wire gave it: ``(id or None, name, arguments)``."""


def _json(value: Any) -> str:
    """Dump a value as JSON text for the wire (non-JSON leaves become strings)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _user_messages(message: Message) -> list[dict[str, Any]]:
    """Convert a user message: one ``tool`` message per tool result, then the text, if any."""
    out: list[dict[str, Any]] = []
    texts: list[str] = []
    for block in message.content:
        if isinstance(block, ToolResultBlock):
            content = block.content if isinstance(block.content, str) else _json(block.content)
            out.append({"role": "tool", "tool_call_id": block.tool_use_id, "content": content})
        elif isinstance(block, TextBlock):
            texts.append(block.text)
        else:
            raise DefinitionError("a user message cannot hold a tool use block")
    if texts:
        out.append({"role": "user", "content": "\n".join(texts)})
    return out


def _assistant_message(message: Message) -> dict[str, Any]:
    """Convert an assistant message: its text, and its tool uses as ``tool_calls``."""
    if any(isinstance(block, ToolResultBlock) for block in message.content):
        raise DefinitionError("an assistant message cannot hold a tool result block")
    text = message.text
    calls = [
        {
            "id": use.tool_use_id,
            "type": "function",
            "function": {"name": use.name, "arguments": _json(use.input)},
        }
        for use in message.tool_uses
    ]
    wire: dict[str, Any] = {"role": "assistant", "content": text if text or not calls else None}
    if calls:
        wire["tool_calls"] = calls
    return wire


def wire_messages(messages: Sequence[Message], system_prompt: str | None) -> list[dict[str, Any]]:
    """
    Convert a conversation to chat-completions messages.

    Args:
        messages: The conversation.
        system_prompt: Sent first as a ``system`` message, when given.

    Returns:
        The wire messages.

    Raises:
        DefinitionError: A message holds a block its role cannot hold.
    """
    out: list[dict[str, Any]] = []
    if system_prompt:
        out.append({"role": "system", "content": system_prompt})
    for message in messages:
        if message.role == "assistant":
            out.append(_assistant_message(message))
        else:
            out.extend(_user_messages(message))
    return out


def wire_tools(tool_specs: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """
    Convert tool specs to chat-completions ``tools``.

    Args:
        tool_specs: The tools.

    Returns:
        One ``{"type": "function", "function": {...}}`` entry per tool.
    """
    return [
        {
            "type": "function",
            "function": {
                "name": spec.name,
                "description": spec.description,
                "parameters": spec.input_schema,
            },
        }
        for spec in tool_specs
    ]


def request_body(
    model: str,
    messages: Sequence[Message],
    tool_specs: Sequence[ToolSpec],
    system_prompt: str | None,
    *,
    temperature: float | None,
    max_tokens: int | None,
    stream: bool,
) -> dict[str, Any]:
    """
    Build the JSON body of a chat-completions request.

    Args:
        model: The model name.
        messages: The conversation.
        tool_specs: The tools; ``tools`` is left out when there are none.
        system_prompt: The system prompt, if any.
        temperature: Sent when not ``None``.
        max_tokens: Sent when not ``None``.
        stream: Ask for server-sent events (with usage in the last chunk).

    Returns:
        The body.
    """
    body: dict[str, Any] = {
        "model": model,
        "messages": wire_messages(messages, system_prompt),
        "stream": stream,
    }
    if tool_specs:
        body["tools"] = wire_tools(tool_specs)
    if temperature is not None:
        body["temperature"] = temperature
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def parse_arguments(raw: object, name: str) -> dict[str, Any]:
    """
    Decode a tool call's arguments: a JSON object string (or an object, as some servers send).

    Args:
        raw: The ``arguments`` value from the wire.
        name: The tool's name, for messages.

    Returns:
        The arguments; an empty or missing value gives ``{}``.

    Raises:
        ModelResponseError: The arguments are not a JSON object.
    """
    if raw is None or raw == "":
        return {}
    decoded = raw
    if isinstance(raw, str):
        try:
            decoded = json.loads(raw)
        except ValueError:
            raise ModelResponseError(
                f"the arguments of tool call {name!r} are not valid JSON: {raw[:200]!r}"
            ) from None
    if not isinstance(decoded, dict):
        raise ModelResponseError(
            f"the arguments of tool call {name!r} are not a JSON object: {type(decoded).__name__}"
        )
    return decoded


def stop_reason_of(finish_reason: object, *, has_tool_calls: bool) -> StopReason:
    """
    Map a ``finish_reason`` to a stop reason.

    ``length`` gives ``max_tokens``. Otherwise a message with tool calls gives ``tool_use``
    (some servers say ``stop`` even then) and anything else ``end_turn``.

    Args:
        finish_reason: The wire value (``stop``, ``tool_calls``, ``length``...).
        has_tool_calls: Whether the message holds tool calls.

    Returns:
        The stop reason.
    """
    if finish_reason == "length":
        return "max_tokens"
    return "tool_use" if has_tool_calls or finish_reason == "tool_calls" else "end_turn"


def parse_usage(data: object) -> Usage:
    """
    Read ``usage`` (``prompt_tokens``, ``completion_tokens``); missing parts count zero.

    Args:
        data: The ``usage`` value from the wire.

    Returns:
        The usage.
    """
    if not isinstance(data, dict):
        return Usage()
    prompt, completion = data.get("prompt_tokens"), data.get("completion_tokens")
    return Usage(
        prompt if isinstance(prompt, int) else 0, completion if isinstance(completion, int) else 0
    )


def assemble_response(
    text: str,
    calls: Sequence[RawToolCall],
    finish_reason: object,
    usage: Usage,
    turn_index: int,
) -> ModelResponse:
    """
    Build a response from its decoded parts.

    Args:
        text: The message text.
        calls: The tool calls, in order.
        finish_reason: The wire ``finish_reason``.
        usage: The usage.
        turn_index: The number of assistant messages before this one, for missing ids.

    Returns:
        The response.

    Raises:
        ModelResponseError: A call has no name or bad arguments.
    """
    content: list[ContentBlock] = [TextBlock(text)] if text or not calls else []
    for index, (tool_use_id, name, arguments) in enumerate(calls):
        if not name:
            raise ModelResponseError(f"tool call {index} of the reply has no function name")
        use_id = tool_use_id or default_tool_use_id(turn_index, index)
        content.append(ToolUseBlock(use_id, name, parse_arguments(arguments, name)))
    stop_reason = stop_reason_of(finish_reason, has_tool_calls=bool(calls))
    return ModelResponse(Message("assistant", tuple(content)), stop_reason, usage)


def _text_of(content: object) -> str:
    """Read message content: a string, ``null``, or a list of text parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    raise ModelResponseError(f"message content is a {type(content).__name__}, not text")


def _raw_call(call: object, index: int) -> RawToolCall:
    """Read one entry of ``message.tool_calls``."""
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(call, dict) or not isinstance(function, dict):
        raise ModelResponseError(f"tool call {index} of the reply has no 'function' object")
    tool_use_id, name = call.get("id"), function.get("name")
    return (
        tool_use_id if isinstance(tool_use_id, str) else None,
        name if isinstance(name, str) else "",
        function.get("arguments"),
    )


def parse_completion(data: object, turn_index: int) -> ModelResponse:
    """
    Read a (non-streamed) chat-completions reply.

    Args:
        data: The decoded JSON body.
        turn_index: The number of assistant messages before this one, for missing ids.

    Returns:
        The response built from ``choices[0]`` and ``usage``.

    Raises:
        ModelResponseError: The body is not a chat completion.
    """
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ModelResponseError("the reply has no 'choices[0]'")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise ModelResponseError("the reply has no 'choices[0].message'")
    raw_calls = message.get("tool_calls") or []
    if not isinstance(raw_calls, list):
        raise ModelResponseError("'choices[0].message.tool_calls' is not a list")
    calls = [_raw_call(call, index) for index, call in enumerate(raw_calls)]
    usage = parse_usage(data.get("usage") if isinstance(data, dict) else None)
    text = _text_of(message.get("content"))
    return assemble_response(text, calls, choices[0].get("finish_reason"), usage, turn_index)
