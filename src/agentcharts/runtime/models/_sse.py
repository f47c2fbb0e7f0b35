"""Server-sent events: split a stream into data payloads, and assemble streamed chunks."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from agentcharts.exceptions import ModelResponseError
from agentcharts.runtime.models._wire import assemble_response, parse_usage
from agentcharts.schemas.messages import Usage

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from agentcharts.runtime.models._protocol import ModelResponse

__all__ = ["DONE", "StreamAssembler", "sse_data"]

DONE = "[DONE]"
"""The data payload that ends a chat-completions stream."""


async def sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """
    Yield the data of each event of a server-sent-events stream.

    Lines are ``field: value``; ``data`` lines accumulate (joined by newlines) until a blank
    line ends the event. Comments (``:...``) and other fields are skipped. An event left
    open at the end of the stream is still yielded.

    Args:
        lines: The stream's lines, without line endings.

    Yields:
        Each event's data.
    """
    buffer: list[str] = []
    async for line in lines:
        if not line:
            if buffer:
                yield "\n".join(buffer)
                buffer = []
            continue
        field, _, value = line.partition(":")
        if field == "data":
            buffer.append(value.removeprefix(" "))
    if buffer:
        yield "\n".join(buffer)


class StreamAssembler:
    """Builds one response from streamed chat-completions chunks."""

    def __init__(self, turn_index: int) -> None:
        """
        Start an empty response.

        Args:
            turn_index: The number of assistant messages before this one, for missing ids.
        """
        self._turn_index = turn_index
        self._text: list[str] = []
        self._ids: dict[int, str | None] = {}
        self._names: dict[int, str] = {}
        self._arguments: dict[int, list[str]] = {}
        self.finish_reason: object = None
        """The ``finish_reason`` seen, or ``None`` while the choice is unfinished."""
        self.usage = Usage()
        """The usage from the chunk that carried it."""

    def _feed_tool_call(self, delta: object) -> None:
        """Merge one ``tool_calls`` fragment: the first id and name win, arguments append."""
        if not isinstance(delta, dict):
            raise ModelResponseError("a streamed tool call fragment is not an object")
        index = delta.get("index")
        if not isinstance(index, int):
            index = len(self._names)
        function = delta.get("function")
        function = function if isinstance(function, dict) else {}
        tool_use_id, name, fragment = (
            delta.get("id"),
            function.get("name"),
            function.get("arguments"),
        )
        if not self._ids.get(index) and isinstance(tool_use_id, str):
            self._ids[index] = tool_use_id
        if not self._names.get(index):
            self._names[index] = name if isinstance(name, str) else ""
        fragments = self._arguments.setdefault(index, [])
        if isinstance(fragment, str):
            fragments.append(fragment)
        elif isinstance(fragment, dict):
            fragments.append(json.dumps(fragment))

    def feed(self, chunk: object) -> str:
        """
        Take one decoded chunk.

        Args:
            chunk: The chunk's JSON.

        Returns:
            The text it adds (empty when it adds none).

        Raises:
            ModelResponseError: The chunk is not a chat-completions chunk, or reports an error.
        """
        if not isinstance(chunk, dict):
            raise ModelResponseError("a streamed chunk is not a JSON object")
        if "error" in chunk:
            error = chunk["error"]
            detail = error.get("message", error) if isinstance(error, dict) else error
            raise ModelResponseError(f"the provider reported an error mid-stream: {detail}")
        if chunk.get("usage"):
            self.usage = parse_usage(chunk["usage"])
        choices = chunk.get("choices") or []
        if not isinstance(choices, list):
            raise ModelResponseError("a streamed chunk's 'choices' is not a list")
        if not choices:
            return ""
        choice = choices[0]
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if not isinstance(delta, dict):
            raise ModelResponseError("a streamed chunk has no 'choices[0].delta'")
        if choice.get("finish_reason"):
            self.finish_reason = choice["finish_reason"]
        for fragment in delta.get("tool_calls") or []:
            self._feed_tool_call(fragment)
        text = delta.get("content")
        if isinstance(text, str) and text:
            self._text.append(text)
            return text
        return ""

    def response(self) -> ModelResponse:
        """
        Build the response from everything fed so far.

        Returns:
            The response.

        Raises:
            ModelResponseError: A tool call has no name or its arguments are not a JSON object.
        """
        calls = [
            (self._ids.get(index), self._names[index], "".join(self._arguments[index]))
            for index in sorted(self._names)
        ]
        return assemble_response(
            "".join(self._text), calls, self.finish_reason, self.usage, self._turn_index
        )
