"""Tests for `agentcharts.runtime.models.function`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from agentcharts.exceptions import DefinitionError, ModelResponseError
from agentcharts.runtime.models import FunctionModel, Model, ModelResponse, TextDelta
from agentcharts.schemas.messages import Message, TextBlock, ToolResultBlock, ToolSpec, ToolUseBlock

if TYPE_CHECKING:
    from collections.abc import Sequence

WEATHER = ToolSpec("get_weather", "Weather of a city")


def user(text: str) -> Message:
    return Message("user", (TextBlock(text),))


def weather_agent(messages: Sequence[Message], tool_specs: Sequence[ToolSpec]) -> Any:
    """Ask for the weather once, then report the tool's result."""
    last = messages[-1].content[-1]
    if isinstance(last, ToolResultBlock):
        return f"It is {last.content}."
    return [{"name": tool_specs[0].name, "input": {"city": messages[-1].text}}]


class TestFunctionModel:
    @pytest.mark.asyncio
    async def test_reacts_to_tool_results(self) -> None:
        """The function sees the conversation and the tools, and its turns become responses."""
        model = FunctionModel(weather_agent)
        messages = [user("Oslo")]
        first = await model.complete(messages, [WEATHER], None)
        assert (ToolUseBlock("tooluse_0_0", "get_weather", {"city": "Oslo"}),) == first.tool_uses
        assert "tool_use" == first.stop_reason
        messages += [
            first.message,
            Message("user", (ToolResultBlock("tooluse_0_0", "success", "sunny"),)),
        ]
        second = await model.complete(messages, [WEATHER], None)
        assert "It is sunny." == second.text
        assert "end_turn" == second.stop_reason

    @pytest.mark.asyncio
    async def test_async_function(self) -> None:
        """An async function is awaited."""

        async def answer(messages: Sequence[Message], tool_specs: Sequence[ToolSpec]) -> str:
            await asyncio.sleep(0)
            return f"{len(messages)} message(s), {len(tool_specs)} tool(s)"

        response = await FunctionModel(answer).complete([user("a")], [WEATHER], None)
        assert "1 message(s), 1 tool(s)" == response.text

    @pytest.mark.asyncio
    async def test_function_gets_tuples(self) -> None:
        """The function receives immutable copies of the messages and specs."""
        seen: list[Any] = []

        def record(messages: Sequence[Message], tool_specs: Sequence[ToolSpec]) -> str:
            seen.extend([messages, tool_specs])
            return "ok"

        await FunctionModel(record).complete([user("a")], [WEATHER], None)
        assert [(user("a"),), (WEATHER,)] == seen

    @pytest.mark.asyncio
    async def test_ids_follow_the_turn_index(self) -> None:
        """Generated ids use the number of assistant messages as the turn index."""
        model = FunctionModel(
            lambda _messages, _specs: [{"name": "a"}, {"name": "b", "id": "mine"}]
        )
        history = [user("x"), Message("assistant", (TextBlock("earlier"),)), user("y")]
        response = await model.complete(history, [], None)
        assert ["tooluse_1_0", "mine"] == [u.tool_use_id for u in response.tool_uses]

    @pytest.mark.asyncio
    async def test_stream(self) -> None:
        """Streaming yields word deltas, then the response."""
        model = FunctionModel(lambda _messages, _specs: "two words")
        events = [e async for e in model.stream([user("x")], [], None)]
        assert [TextDelta("two "), TextDelta("words")] == events[:-1]
        assert isinstance(events[-1], ModelResponse)

    @pytest.mark.asyncio
    async def test_errors_from_the_function_propagate(self) -> None:
        """An exception raised by the function reaches the caller unchanged."""

        def broken(messages: Sequence[Message], tool_specs: Sequence[ToolSpec]) -> str:
            raise LookupError("no idea")

        with pytest.raises(LookupError, match="no idea"):
            await FunctionModel(broken).complete([user("x")], [], None)

    @pytest.mark.parametrize(
        ("returned", "message"),
        [
            (None, "turn 0: a turn must be a str or a list of tool calls, got NoneType"),
            ({"name": "t"}, "got dict"),
            ([], "at least one call"),
            ([{"name": "t", "input": "city=Oslo"}], "needs an 'input' that is a dict"),
            ([{"tool": "t"}], "unknown key"),
        ],
    )
    @pytest.mark.asyncio
    async def test_bad_turn(self, returned: Any, message: str) -> None:
        """A bad return value raises ModelResponseError naming the turn and the problem."""
        model = FunctionModel(lambda _messages, _specs: returned)
        with pytest.raises(ModelResponseError, match=message):
            await model.complete([user("x")], [], None)

    @pytest.mark.asyncio
    async def test_bad_turn_names_its_index(self) -> None:
        """The error names the turn index taken from the conversation."""
        model = FunctionModel(lambda _messages, _specs: 3)  # type: ignore[arg-type, return-value]
        history = [user("x"), Message("assistant", (TextBlock("a"),)), user("y")]
        with pytest.raises(ModelResponseError, match="turn 1: "):
            await model.complete(history, [], None)

    def test_not_callable(self) -> None:
        """A non-callable is refused at construction."""
        with pytest.raises(DefinitionError, match="needs a callable, got str"):
            FunctionModel("react")  # type: ignore[arg-type]

    def test_protocol_and_repr(self) -> None:
        """A FunctionModel is a Model, and its repr names the function."""
        model = FunctionModel(weather_agent)
        assert isinstance(model, Model)
        assert "FunctionModel(weather_agent)" == repr(model)
