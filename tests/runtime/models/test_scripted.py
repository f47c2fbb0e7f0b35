"""Tests for `agentcharts.runtime.models.scripted`."""

from __future__ import annotations

import asyncio

import pytest

from agentcharts.exceptions import DefinitionError, ModelError, ScriptExhaustedError
from agentcharts.runtime.models import Model, ModelResponse, ScriptedModel, TextDelta, Turn
from agentcharts.schemas.messages import (
    Message,
    TextBlock,
    ToolResultBlock,
    ToolSpec,
    ToolUseBlock,
    Usage,
)

WEATHER = ToolSpec("get_weather", "Weather of a city")


def user(text: str) -> Message:
    return Message("user", (TextBlock(text),))


async def collect(model: Model, messages: list[Message]) -> list[TextDelta | ModelResponse]:
    return [event async for event in model.stream(messages, [WEATHER], None)]


class TestScriptedTurns:
    @pytest.mark.asyncio
    async def test_text_turn(self) -> None:
        """A str turn is the assistant's final text with stop reason end_turn."""
        model = ScriptedModel(["Hello there."])
        response = await model.complete([user("hi")], [], None)
        assert Message("assistant", (TextBlock("Hello there."),)) == response.message
        assert "end_turn" == response.stop_reason
        assert "Hello there." == response.text

    @pytest.mark.asyncio
    async def test_tool_turn(self) -> None:
        """A list turn asks for its tools, in order, with stop reason tool_use."""
        model = ScriptedModel(
            [[{"name": "get_weather", "input": {"city": "Oslo"}}, {"name": "get_time", "id": "t9"}]]
        )
        response = await model.complete([user("weather?")], [WEATHER], None)
        assert "tool_use" == response.stop_reason
        assert (
            ToolUseBlock("tooluse_0_0", "get_weather", {"city": "Oslo"}),
            ToolUseBlock("t9", "get_time", {}),
        ) == response.message.content
        assert "" == response.text

    @pytest.mark.asyncio
    async def test_turns_follow_the_conversation(self) -> None:
        """Each call plays the turn numbered by the assistant messages already present."""
        model = ScriptedModel([[{"name": "get_weather", "input": {"city": "Oslo"}}], "Sunny."])
        messages = [user("weather?")]
        first = await model.complete(messages, [WEATHER], None)
        messages += [
            first.message,
            Message("user", (ToolResultBlock("tooluse_0_0", "success", "sunny"),)),
        ]
        second = await model.complete(messages, [WEATHER], None)
        assert "Sunny." == second.text
        assert "end_turn" == second.stop_reason

    @pytest.mark.asyncio
    async def test_stateless_continuation(self) -> None:
        """A fresh model given a restored history continues the script where it stopped."""
        script: list[Turn] = ["one", [{"name": "get_weather"}], "three"]
        history = [
            user("a"),
            Message("assistant", (TextBlock("one"),)),
            user("b"),
            Message("assistant", (ToolUseBlock("tooluse_1_0", "get_weather", {}),)),
            Message("user", (ToolResultBlock("tooluse_1_0", "success", {"sky": "clear"}),)),
        ]
        response = await ScriptedModel(script).complete(history, [], None)
        assert "three" == response.text

    @pytest.mark.asyncio
    async def test_same_call_twice_gives_the_same_turn(self) -> None:
        """The model keeps no cursor: the same history gives the same turn again."""
        model = ScriptedModel(["first", "second"])
        one = await model.complete([user("x")], [], None)
        two = await model.complete([user("x")], [], None)
        assert one == two

    @pytest.mark.asyncio
    async def test_default_ids_are_unique_in_a_conversation(self) -> None:
        """Generated ids name the turn and the call, so later turns never reuse them."""
        model = ScriptedModel([[{"name": "a"}, {"name": "b"}], [{"name": "a"}]])
        messages = [user("go")]
        first = await model.complete(messages, [], None)
        messages += [
            first.message,
            Message(
                "user",
                tuple(ToolResultBlock(u.tool_use_id, "success", "ok") for u in first.tool_uses),
            ),
        ]
        second = await model.complete(messages, [], None)
        assert ["tooluse_0_0", "tooluse_0_1"] == [u.tool_use_id for u in first.tool_uses]
        assert ["tooluse_1_0"] == [u.tool_use_id for u in second.tool_uses]

    @pytest.mark.asyncio
    async def test_exhausted_script(self) -> None:
        """Asking past the last turn raises ScriptExhaustedError with the script length."""
        model = ScriptedModel(["only"])
        history = [user("a"), Message("assistant", (TextBlock("only"),)), user("b")]
        with pytest.raises(ScriptExhaustedError, match="all 1 turn") as caught:
            await model.complete(history, [], None)
        assert 1 == caught.value.turns
        assert isinstance(caught.value, ModelError)

    @pytest.mark.asyncio
    async def test_empty_script_is_exhausted_at_once(self) -> None:
        """An empty script builds, and its first call raises ScriptExhaustedError."""
        with pytest.raises(ScriptExhaustedError):
            await ScriptedModel([]).complete([user("a")], [], None)

    def test_len_and_repr(self) -> None:
        """len() is the number of turns, and the repr says it."""
        model = ScriptedModel(["a", "b"])
        assert 2 == len(model)
        assert "ScriptedModel(<2 turn(s)>)" == repr(model)

    def test_satisfies_the_protocol(self) -> None:
        """A ScriptedModel is a Model."""
        assert isinstance(ScriptedModel([]), Model)

    def test_usable_from_several_event_loops(self) -> None:
        """The model holds nothing tied to a loop: separate asyncio.run calls both work."""
        model = ScriptedModel(["a", "b"])
        first = asyncio.run(model.complete([user("x")], [], None))
        second = asyncio.run(model.complete([user("x"), first.message, user("y")], [], None))
        assert ["a", "b"] == [first.text, second.text]


class TestScriptedUsage:
    @pytest.mark.asyncio
    async def test_usage_counts_characters_over_four(self) -> None:
        """Input counts every block and the system prompt; output counts what is produced."""
        model = ScriptedModel(["12345678"])
        messages = [
            user("abcdefgh"),  # 8
            Message(
                "assistant", (ToolUseBlock("t", "tool", {"k": 1}),)
            ),  # 4 + len('{"k": 1}') = 12
            Message("user", (ToolResultBlock("t", "success", "xyz"),)),  # 3
        ]
        scripted = ScriptedModel(["x", "12345678"])
        response = await scripted.complete(messages, [], "sys!")  # + 4 = 27 chars
        assert Usage(27 // 4, 8 // 4) == response.usage
        assert Usage(1, 2) == (await model.complete([user("abcd")], [], None)).usage

    @pytest.mark.asyncio
    async def test_usage_of_a_tool_turn(self) -> None:
        """A tool turn's output counts each call's name and JSON input."""
        model = ScriptedModel([[{"name": "abcd", "input": {"key": "value"}}]])
        response = await model.complete([], [], None)
        assert Usage(0, (4 + len('{"key": "value"}')) // 4) == response.usage


class TestScriptedStream:
    @pytest.mark.asyncio
    async def test_text_streams_in_word_deltas(self) -> None:
        """A text turn streams word-sized deltas that join to the text, then the response."""
        model = ScriptedModel(["The sky is  clear today."])
        events = await collect(model, [user("weather?")])
        deltas = [e.text for e in events if isinstance(e, TextDelta)]
        assert ["The ", "sky ", "is  ", "clear ", "today."] == deltas
        assert isinstance(events[-1], ModelResponse)
        assert "The sky is  clear today." == events[-1].text
        assert 1 == sum(isinstance(e, ModelResponse) for e in events)

    @pytest.mark.asyncio
    async def test_tool_turn_streams_only_the_response(self) -> None:
        """A tool turn has no text, so the stream is the response alone."""
        model = ScriptedModel([[{"name": "get_weather", "input": {"city": "Oslo"}}]])
        events = await collect(model, [user("weather?")])
        assert 1 == len(events)
        assert "tool_use" == events[0].stop_reason  # type: ignore[union-attr]

    @pytest.mark.asyncio
    async def test_stream_and_complete_agree(self) -> None:
        """The streamed response equals the one complete() returns."""
        model = ScriptedModel(["Hi, you."])
        events = await collect(model, [user("x")])
        assert await model.complete([user("x")], [WEATHER], None) == events[-1]


class TestScriptValidation:
    @pytest.mark.parametrize(
        ("turns", "message"),
        [
            ("just text", "takes a list of turns, got str"),
            (None, "takes a list of turns, got NoneType"),
            (["ok", 42], "turn 1: a turn must be a str or a list of tool calls, got int"),
            ([[]], "turn 0: a tool-call turn must hold at least one call"),
            ([["get_weather"]], "turn 0: tool call 0 must be a dict, got str"),
            ([[{"input": {}}]], "turn 0: tool call 0 needs a 'name'"),
            ([[{"name": ""}]], "turn 0: tool call 0 needs a 'name'"),
            (
                ["a", [{"name": "t", "input": [1]}]],
                r"turn 1: tool call 0 \('t'\) needs an 'input' that is a dict",
            ),
            ([[{"name": "t", "input": {1: "x"}}]], "needs an 'input' that is a dict with str keys"),
            ([[{"name": "t", "input": {"x": object()}}]], "has an input that is not JSON"),
            ([[{"name": "t", "args": {}}]], "turn 0: tool call 0 has unknown key\\(s\\) 'args'"),
            ([[{"name": "t", "id": 5}]], "has an 'id' that is not a non-empty str"),
            ([[{"name": "a", "id": "x"}, {"name": "b", "id": "x"}]], "ids repeat within the turn"),
        ],
    )
    def test_bad_script(self, turns: object, message: str) -> None:
        """A malformed script fails at construction, naming the turn and the problem."""
        with pytest.raises(DefinitionError, match=message):
            ScriptedModel(turns)  # type: ignore[arg-type]

    def test_tuple_turns_are_accepted(self) -> None:
        """Turns and tool-call lists may be tuples as well as lists."""
        assert 2 == len(ScriptedModel(("a", ({"name": "t"},))))
