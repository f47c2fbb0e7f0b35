"""Tests for `agentcharts.runtime.models._protocol` (the Model protocol and ModelBase)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import pytest

from agentcharts.runtime.models import Model, ModelBase, ModelResponse, TextDelta
from agentcharts.schemas.messages import Message, TextBlock, ToolUseBlock, Usage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from agentcharts.schemas.messages import ToolSpec


class Echo(ModelBase):
    """Answers with the last message's text, or asks for a tool when told to."""

    async def complete(
        self, messages: Sequence[Message], tool_specs: Sequence[ToolSpec], system_prompt: str | None
    ) -> ModelResponse:
        del tool_specs, system_prompt
        text = messages[-1].text
        if text == "tool":
            content: tuple[TextBlock | ToolUseBlock, ...] = (ToolUseBlock("t1", "lookup"),)
            return ModelResponse(Message("assistant", content), "tool_use", Usage(1, 1))
        return ModelResponse(Message("assistant", (TextBlock(text),)), "end_turn", Usage(1, 1))


def user(text: str) -> Message:
    return Message("user", (TextBlock(text),))


class TestModelBase:
    @pytest.mark.asyncio
    async def test_default_stream_yields_the_whole_text_then_the_response(self) -> None:
        """A model that only completes streams its text as one delta, then the response."""
        events = [e async for e in Echo().stream([user("hello world")], [], None)]
        assert TextDelta("hello world") == events[0]
        assert await Echo().complete([user("hello world")], [], None) == events[1]
        assert 2 == len(events)

    @pytest.mark.asyncio
    async def test_default_stream_without_text(self) -> None:
        """A turn without text streams the response alone."""
        events = [e async for e in Echo().stream([user("tool")], [], None)]
        assert 1 == len(events)
        assert "tool_use" == events[0].stop_reason  # type: ignore[union-attr]

    def test_complete_must_be_implemented(self) -> None:
        """A subclass that does not implement complete cannot be built."""

        class Incomplete(ModelBase):
            pass

        with pytest.raises(TypeError, match="abstract method"):
            Incomplete()  # type: ignore[abstract]

    def test_subclass_is_a_model(self) -> None:
        """A ModelBase subclass satisfies the runtime-checkable protocol; a plain object does not."""
        assert isinstance(Echo(), Model)
        assert not isinstance(object(), Model)


class TestModelResponse:
    def test_is_frozen_with_shortcuts(self) -> None:
        """ModelResponse is immutable and exposes the message's text and tool uses."""
        use = ToolUseBlock("t1", "lookup", {"q": 1})
        response = ModelResponse(
            Message("assistant", (TextBlock("a"), use, TextBlock("b"))), "tool_use", Usage(3, 4)
        )
        assert "a\nb" == response.text
        assert (use,) == response.tool_uses
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            response.stop_reason = "end_turn"  # type: ignore[misc]
