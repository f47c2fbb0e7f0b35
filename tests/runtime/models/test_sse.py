"""Tests for `agentcharts.runtime.models._sse`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from agentcharts.exceptions import ModelResponseError
from agentcharts.runtime.models._sse import StreamAssembler, sse_data
from agentcharts.schemas.messages import TextBlock, ToolUseBlock, Usage

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


async def lines_of(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def data_of(*lines: str) -> list[str]:
    return [data async for data in sse_data(lines_of(*lines))]


class TestSseData:
    @pytest.mark.asyncio
    async def test_events_split_on_blank_lines(self) -> None:
        """Each blank line ends an event; the space after the colon is dropped."""
        assert ['{"a": 1}', "[DONE]"] == await data_of('data: {"a": 1}', "", "data: [DONE]", "")

    @pytest.mark.asyncio
    async def test_multi_line_data_comments_and_other_fields(self) -> None:
        """Data lines join with newlines; comments, event and id fields are skipped."""
        lines = (
            ": keep-alive",
            "event: message",
            "id: 4",
            "data: one",
            "data:two",
            "",
            "",
            "retry: 5",
        )
        assert ["one\ntwo"] == await data_of(*lines)

    @pytest.mark.asyncio
    async def test_unterminated_last_event(self) -> None:
        """An event still open when the stream ends is yielded."""
        assert ["x", "y"] == await data_of("data: x", "", "data: y")


class TestStreamAssembler:
    def test_text_usage_and_finish(self) -> None:
        """Text deltas accumulate; usage and finish_reason are taken from their chunks."""
        assembler = StreamAssembler(0)
        fed = [
            assembler.feed({"choices": [{"delta": {"role": "assistant", "content": "a"}}]}),
            assembler.feed({"choices": [{"delta": {"content": "b"}, "finish_reason": "stop"}]}),
            assembler.feed({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1}}),
            assembler.feed({"choices": [{"delta": {}}], "usage": None}),
        ]
        response = assembler.response()
        assert ["a", "b", "", ""] == fed
        assert ((TextBlock("ab"),), "end_turn", Usage(3, 1)) == (
            response.message.content,
            response.stop_reason,
            response.usage,
        )

    def test_fragments_without_index_and_repeated_names(self) -> None:
        """Fragments without an index open new calls; a repeated name is not doubled."""
        assembler = StreamAssembler(2)
        assembler.feed(
            {
                "choices": [
                    {"delta": {"tool_calls": [{"function": {"name": "a", "arguments": {"x": 1}}}]}}
                ]
            }
        )
        assembler.feed(
            {
                "choices": [
                    {"delta": {"tool_calls": [{"index": 1, "id": "c1", "function": {"name": "b"}}]}}
                ]
            }
        )
        assembler.feed(
            {
                "choices": [
                    {
                        "delta": {
                            "tool_calls": [
                                {"index": 1, "function": {"name": "b", "arguments": "{}"}}
                            ]
                        }
                    }
                ]
            }
        )
        assembler.feed({"choices": [{"delta": {}, "finish_reason": "length"}]})
        response = assembler.response()
        assert (
            ToolUseBlock("tooluse_2_0", "a", {"x": 1}),
            ToolUseBlock("c1", "b", {}),
        ) == response.message.content
        assert "max_tokens" == response.stop_reason

    @pytest.mark.parametrize(
        ("chunk", "message"),
        [
            ({"choices": "x"}, "'choices' is not a list"),
            ({"choices": [{"delta": {"tool_calls": ["x"]}}]}, "fragment is not an object"),
            ({"error": "quota"}, "mid-stream: quota"),
        ],
    )
    def test_bad_chunks(self, chunk: object, message: str) -> None:
        """Chunks that are not the format raise ModelResponseError."""
        with pytest.raises(ModelResponseError, match=message):
            StreamAssembler(0).feed(chunk)
