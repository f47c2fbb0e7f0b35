"""Tests for `agentcharts.runtime.models.openai`, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from agentcharts.exceptions import (
    DefinitionError,
    InvalidSettingError,
    ModelConnectionError,
    ModelError,
    ModelRateLimitError,
    ModelRequestError,
    ModelResponseError,
    ModelServerError,
    ModelTimeoutError,
)
from agentcharts.runtime.models import Model, ModelResponse, OpenAICompatibleModel, TextDelta
from agentcharts.schemas.messages import (
    Message,
    TextBlock,
    ToolResultBlock,
    ToolSpec,
    ToolUseBlock,
    Usage,
)

WEATHER = ToolSpec(
    "get_weather",
    "Weather of a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
KEY = "sk-test-SECRET-0123456789"


def user(text: str) -> Message:
    return Message("user", (TextBlock(text),))


def completion(
    message: dict[str, Any], finish: str | None = "stop", usage: Any = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}
        ],
    }
    if usage is not None:
        body["usage"] = usage
    return body


def tool_call(call_id: str | None, name: str, arguments: Any) -> dict[str, Any]:
    call: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if call_id is not None:
        call["id"] = call_id
    return call


def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})


async def collect(
    model: OpenAICompatibleModel, messages: list[Message], specs: list[ToolSpec] | None = None
) -> list[Any]:
    return [event async for event in model.stream(messages, specs or [], None)]


class TestComplete:
    @pytest.mark.asyncio
    async def test_plain_answer_and_request(self, chat_server: Any) -> None:
        """A plain answer becomes an end_turn response; the request carries the settings."""
        url = chat_server.route(
            "plain",
            body=completion(
                {"content": "Hi!"}, usage={"prompt_tokens": 12, "completion_tokens": 5}
            ),
        )
        model = OpenAICompatibleModel(
            "llama3.2",
            base_url=url + "/",
            api_key=KEY,
            temperature=0.2,
            max_tokens=64,
            extra_headers={"X-Trace": "abc"},
        )
        async with model:
            response = await model.complete([user("hello")], [], "Be brief.")
        assert (
            ModelResponse(Message("assistant", (TextBlock("Hi!"),)), "end_turn", Usage(12, 5))
            == response
        )
        request = chat_server.requests[0]
        assert "/plain/v1/chat/completions" == request.path
        assert {
            "model": "llama3.2",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "hello"},
            ],
            "stream": False,
            "temperature": 0.2,
            "max_tokens": 64,
        } == request.body
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert f"Bearer {KEY}" == headers["authorization"]
        assert "abc" == headers["x-trace"]

    @pytest.mark.asyncio
    async def test_tool_call_and_wire_messages(self, chat_server: Any) -> None:
        """A tool call is parsed, and the history goes out in the chat-completions shape."""
        url = chat_server.route(
            "tools",
            body=completion(
                {
                    "content": None,
                    "tool_calls": [tool_call("call_9", "get_weather", '{"city": "Bergen"}')],
                },
                finish="tool_calls",
            ),
        )
        history = [
            user("Weather in Oslo and Rome?"),
            Message(
                "assistant",
                (
                    TextBlock("Checking."),
                    ToolUseBlock("call_1", "get_weather", {"city": "Oslo"}),
                    ToolUseBlock("call_2", "get_weather", {"city": "Rome"}),
                ),
            ),
            Message(
                "user",
                (
                    ToolResultBlock("call_1", "success", {"sky": "clear", "temp": 3}),
                    ToolResultBlock("call_2", "error", "service down"),
                    TextBlock("And Bergen?"),
                ),
            ),
        ]
        async with OpenAICompatibleModel("m", base_url=url) as model:
            response = await model.complete(history, [WEATHER], None)
        assert "tool_use" == response.stop_reason
        assert (
            ToolUseBlock("call_9", "get_weather", {"city": "Bergen"}),
        ) == response.message.content
        assert Usage() == response.usage
        body = chat_server.requests[0].body
        assert [
            {"role": "user", "content": "Weather in Oslo and Rome?"},
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                    },
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": '{"sky": "clear", "temp": 3}'},
            {"role": "tool", "tool_call_id": "call_2", "content": "service down"},
            {"role": "user", "content": "And Bergen?"},
        ] == body["messages"]
        assert [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Weather of a city",
                    "parameters": WEATHER.input_schema,
                },
            }
        ] == body["tools"]
        assert "system" not in [m["role"] for m in body["messages"]]

    @pytest.mark.asyncio
    async def test_assistant_tool_calls_without_text_send_null_content(
        self, chat_server: Any
    ) -> None:
        """An assistant message with only tool uses goes out with content null."""
        url = chat_server.route("null", body=completion({"content": "ok"}))
        history = [
            user("x"),
            Message("assistant", (ToolUseBlock("c1", "get_weather", {}),)),
            Message("user", (ToolResultBlock("c1", "success", "fine"),)),
        ]
        async with OpenAICompatibleModel("m", base_url=url) as model:
            await model.complete(history, [WEATHER], None)
        assert None is chat_server.requests[0].body["messages"][1]["content"]

    @pytest.mark.asyncio
    async def test_missing_ids_empty_arguments_and_lenient_finish_reason(
        self, chat_server: Any
    ) -> None:
        """Calls without ids get tooluse_{turn}_{call}; "" arguments are {}; stop + calls is tool_use."""
        url = chat_server.route(
            "noid",
            body=completion(
                {
                    "content": "",
                    "tool_calls": [
                        tool_call(None, "now", ""),
                        tool_call(None, "get_weather", {"city": "Oslo"}),
                    ],
                },
                finish="stop",
            ),
        )
        history = [user("a"), Message("assistant", (TextBlock("b"),)), user("c")]
        async with OpenAICompatibleModel("m", base_url=url) as model:
            response = await model.complete(history, [], None)
        assert (
            ToolUseBlock("tooluse_1_0", "now", {}),
            ToolUseBlock("tooluse_1_1", "get_weather", {"city": "Oslo"}),
        ) == response.message.content
        assert "tool_use" == response.stop_reason

    @pytest.mark.asyncio
    async def test_length_is_max_tokens(self, chat_server: Any) -> None:
        """finish_reason length maps to max_tokens; content parts are joined."""
        url = chat_server.route(
            "length",
            body=completion(
                {"content": [{"type": "text", "text": "cut "}, {"type": "text", "text": "off"}]},
                finish="length",
            ),
        )
        async with OpenAICompatibleModel("m", base_url=url) as model:
            response = await model.complete([user("x")], [], None)
        assert "max_tokens" == response.stop_reason
        assert "cut off" == response.text

    def test_is_a_model_and_repr_hides_the_key(self) -> None:
        """The adapter satisfies the protocol, and its repr never shows the key."""
        model = OpenAICompatibleModel(
            "gpt-4o-mini", base_url="https://api.example.com/v1/", api_key=KEY
        )
        assert isinstance(model, Model)
        assert (
            "OpenAICompatibleModel('gpt-4o-mini', base_url='https://api.example.com/v1')"
            == repr(model)
        )
        assert KEY not in repr(model)


class TestStream:
    @pytest.mark.asyncio
    async def test_text_arrives_as_it_is_sent(self, chat_server: Any) -> None:
        """The first delta reaches the caller before the server sends the rest."""
        url = chat_server.route(
            "stream",
            events=[
                chunk({"role": "assistant", "content": "Hel"}),
                chunk({"content": "lo"}),
                chunk({}, finish="stop"),
                json.dumps({"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2}}),
                "[DONE]",
            ],
            pause_after=1,
        )
        events: list[Any] = []
        async with OpenAICompatibleModel("m", base_url=url) as model:
            async for event in model.stream([user("hi")], [], None):
                events.append(event)
                if event == TextDelta("Hel"):
                    chat_server.proceed.set()
        assert [True] == chat_server.paused_ok
        assert [TextDelta("Hel"), TextDelta("lo")] == events[:-1]
        assert (
            ModelResponse(Message("assistant", (TextBlock("Hello"),)), "end_turn", Usage(7, 2))
            == events[-1]
        )
        body = chat_server.requests[0].body
        assert True is body["stream"]
        assert {"include_usage": True} == body["stream_options"]

    @pytest.mark.asyncio
    async def test_tool_call_fragments_are_assembled(self, chat_server: Any) -> None:
        """Tool call fragments are merged by index: first id and name, arguments joined."""
        url = chat_server.route(
            "frags",
            events=[
                chunk({"content": "Let me check."}),
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_a",
                                "type": "function",
                                "function": {"name": "get_weather", "arguments": ""},
                            }
                        ]
                    }
                ),
                chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"ci'}}]}),
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": 1,
                                "id": "call_b",
                                "function": {"name": "get_weather", "arguments": '{"city"'},
                            }
                        ]
                    }
                ),
                chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ty": "Oslo"}'}}]}),
                chunk({"tool_calls": [{"index": 1, "function": {"arguments": ': "Rome"}'}}]}),
                chunk({}, finish="tool_calls"),
                "[DONE]",
            ],
        )
        async with OpenAICompatibleModel("m", base_url=url) as model:
            events = await collect(model, [user("weather?")], [WEATHER])
        assert [TextDelta("Let me check.")] == events[:-1]
        response = events[-1]
        assert "tool_use" == response.stop_reason
        assert (
            TextBlock("Let me check."),
            ToolUseBlock("call_a", "get_weather", {"city": "Oslo"}),
            ToolUseBlock("call_b", "get_weather", {"city": "Rome"}),
        ) == response.message.content

    @pytest.mark.asyncio
    async def test_stream_that_ends_without_done_after_a_finish(self, chat_server: Any) -> None:
        """A stream that closes after a finish_reason, without [DONE], still gives a response."""
        url = chat_server.route("nodone", events=[chunk({"content": "ok"}, finish="stop")])
        async with OpenAICompatibleModel("m", base_url=url) as model:
            events = await collect(model, [user("x")])
        assert "ok" == events[-1].text

    @pytest.mark.parametrize(
        ("events", "error", "message"),
        [
            (["{not json"], ModelResponseError, "streamed chunk is not JSON"),
            (
                [chunk({"content": "par"})],
                ModelResponseError,
                "ended before the reply was complete",
            ),
            (
                [json.dumps({"error": {"message": "overloaded"}})],
                ModelResponseError,
                "mid-stream: overloaded",
            ),
            ([json.dumps([1, 2])], ModelResponseError, "not a JSON object"),
            (
                [json.dumps({"choices": [{"index": 0}]})],
                ModelResponseError,
                "no 'choices\\[0\\].delta'",
            ),
            (
                [
                    chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": 0,
                                    "id": "c",
                                    "function": {"name": "t", "arguments": "{oops"},
                                }
                            ]
                        },
                        "tool_calls",
                    ),
                    "[DONE]",
                ],
                ModelResponseError,
                "arguments of tool call 't' are not valid JSON",
            ),
            (
                [
                    chunk(
                        {"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]},
                        "tool_calls",
                    ),
                    "[DONE]",
                ],
                ModelResponseError,
                "has no function name",
            ),
        ],
    )
    @pytest.mark.asyncio
    async def test_bad_streams(
        self, chat_server: Any, events: list[str], error: type[Exception], message: str
    ) -> None:
        """Malformed or unfinished streams raise ModelResponseError."""
        url = chat_server.route("bad", events=events)
        async with OpenAICompatibleModel("m", base_url=url) as model:
            with pytest.raises(error, match=message):
                await collect(model, [user("x")])

    @pytest.mark.asyncio
    async def test_stream_rate_limited(self, chat_server: Any) -> None:
        """An HTTP error status on a streaming request is mapped like any other."""
        url = chat_server.route(
            "limited",
            status=429,
            headers={"Retry-After": "3"},
            body={"error": {"message": "slow down"}},
        )
        async with OpenAICompatibleModel("m", base_url=url) as model:
            with pytest.raises(ModelRateLimitError, match="slow down") as caught:
                await collect(model, [user("x")])
        assert 3.0 == caught.value.retry_after

    @pytest.mark.asyncio
    async def test_stream_timeout(self, chat_server: Any) -> None:
        """A server that never answers a streaming request times out."""
        url = chat_server.route("hang", hang=True)
        async with OpenAICompatibleModel("m", base_url=url, timeout=0.5) as model:
            with pytest.raises(ModelTimeoutError, match=r"within 0.5s"):
                await collect(model, [user("x")])


class TestErrors:
    @pytest.mark.asyncio
    async def test_rate_limit_with_seconds(self, chat_server: Any) -> None:
        """HTTP 429 raises ModelRateLimitError with Retry-After in seconds."""
        url = chat_server.route(
            "rl",
            status=429,
            headers={"Retry-After": "7"},
            body={"error": {"message": "Rate limit reached"}},
        )
        async with OpenAICompatibleModel("m", base_url=url) as model:
            with pytest.raises(ModelRateLimitError, match="Rate limit reached") as caught:
                await model.complete([user("x")], [], None)
        assert 7.0 == caught.value.retry_after
        assert 429 == caught.value.status_code

    @pytest.mark.asyncio
    async def test_rate_limit_with_http_date(self, chat_server: Any) -> None:
        """A Retry-After HTTP date becomes the seconds left until then."""
        when = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
        url = chat_server.route("rldate", status=429, headers={"Retry-After": when}, body="")
        async with OpenAICompatibleModel("m", base_url=url) as model:
            with pytest.raises(ModelRateLimitError) as caught:
                await model.complete([user("x")], [], None)
        assert caught.value.retry_after is not None
        assert 0 < caught.value.retry_after <= 61

    @pytest.mark.asyncio
    async def test_rate_limit_without_header(self, chat_server: Any) -> None:
        """Without Retry-After, retry_after is None."""
        url = chat_server.route("rlnone", status=429, body={"error": "busy"})
        async with OpenAICompatibleModel("m", base_url=url) as model:
            with pytest.raises(ModelRateLimitError) as caught:
                await model.complete([user("x")], [], None)
        assert None is caught.value.retry_after

    @pytest.mark.parametrize(
        ("status", "body", "message"),
        [
            (
                500,
                "Internal Server Error: boom",
                "model provider error 500: Internal Server Error: boom",
            ),
            (
                503,
                {"error": {"message": "model is loading"}},
                "model provider error 503: model is loading",
            ),
            (502, "", r"502: \(empty body\)"),
        ],
    )
    @pytest.mark.asyncio
    async def test_server_errors(
        self, chat_server: Any, status: int, body: Any, message: str
    ) -> None:
        """HTTP 5xx raises ModelServerError with the status and the provider's message."""
        url = chat_server.route("err5", status=status, body=body)
        async with OpenAICompatibleModel("m", base_url=url) as model:
            with pytest.raises(ModelServerError, match=message) as caught:
                await model.complete([user("x")], [], None)
        assert status == caught.value.status_code

    @pytest.mark.asyncio
    async def test_client_error_hides_the_key(self, chat_server: Any) -> None:
        """Other 4xx raise ModelRequestError; a key echoed by the provider is redacted."""
        url = chat_server.route(
            "auth", status=401, body={"error": {"message": f"Incorrect API key provided: {KEY}"}}
        )
        async with OpenAICompatibleModel("m", base_url=url, api_key=KEY) as model:
            with pytest.raises(ModelRequestError) as caught:
                await model.complete([user("x")], [], None)
        assert 401 == caught.value.status_code
        assert "model provider refused the request (401): Incorrect API key provided: ***" == str(
            caught.value
        )
        assert isinstance(caught.value, ModelError)

    @pytest.mark.asyncio
    async def test_ollama_style_error(self, chat_server: Any) -> None:
        """An error given as a plain string (Ollama) is the message."""
        url = chat_server.route("ollama", status=404, body={"error": "model 'nope' not found"})
        async with OpenAICompatibleModel("nope", base_url=url) as model:
            with pytest.raises(ModelRequestError, match="\\(404\\): model 'nope' not found"):
                await model.complete([user("x")], [], None)

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ("this is not json{", "the reply is not JSON"),
            ({"choices": []}, "no 'choices\\[0\\]'"),
            ({"object": "error"}, "no 'choices\\[0\\]'"),
            ({"choices": [{"finish_reason": "stop"}]}, "no 'choices\\[0\\].message'"),
            (completion({"content": 5}), "content is a int, not text"),
            (completion({"tool_calls": "x"}), "tool_calls' is not a list"),
            (completion({"tool_calls": [{"id": "c"}]}), "has no 'function' object"),
            (
                completion({"tool_calls": [tool_call("c", "t", "{bad json")]}),
                "arguments of tool call 't' are not valid JSON",
            ),
            (
                completion({"tool_calls": [tool_call("c", "t", "[1, 2]")]}),
                "arguments of tool call 't' are not a JSON object: list",
            ),
        ],
    )
    @pytest.mark.asyncio
    async def test_malformed_replies(self, chat_server: Any, body: Any, message: str) -> None:
        """A 200 reply that is not a chat completion raises ModelResponseError."""
        url = chat_server.route("malformed", body=body)
        async with OpenAICompatibleModel("m", base_url=url) as model:
            with pytest.raises(ModelResponseError, match=message):
                await model.complete([user("x")], [], None)

    @pytest.mark.asyncio
    async def test_server_that_never_answers(self, chat_server: Any) -> None:
        """A server that accepts but never answers raises ModelTimeoutError (a TimeoutError)."""
        url = chat_server.route("hang", hang=True)
        async with OpenAICompatibleModel("m", base_url=url, timeout=0.5) as model:
            with pytest.raises(TimeoutError) as caught:
                await model.complete([user("x")], [], None)
        assert isinstance(caught.value, ModelTimeoutError)
        assert isinstance(caught.value.__cause__, httpx.ReadTimeout)

    @pytest.mark.asyncio
    async def test_connection_refused(self, closed_port: int) -> None:
        """Nothing listening raises ModelConnectionError (a ConnectionError), for both calls."""
        url = f"http://127.0.0.1:{closed_port}/v1"
        async with OpenAICompatibleModel("m", base_url=url, api_key=KEY) as model:
            with pytest.raises(ConnectionError) as caught:
                await model.complete([user("x")], [], None)
            with pytest.raises(ModelConnectionError, match=f"cannot reach {url}/chat/completions"):
                await collect(model, [user("x")])
        assert isinstance(caught.value, ModelConnectionError)
        assert KEY not in str(caught.value)

    @pytest.mark.asyncio
    async def test_bad_history_is_refused(self, chat_server: Any) -> None:
        """A user message holding a tool use cannot be sent and raises DefinitionError."""
        url = chat_server.route("unused", body=completion({"content": "x"}))
        async with OpenAICompatibleModel("m", base_url=url) as model:
            with pytest.raises(DefinitionError, match="user message cannot hold a tool use"):
                await model.complete([Message("user", (ToolUseBlock("c", "t"),))], [], None)
            with pytest.raises(
                DefinitionError, match="assistant message cannot hold a tool result"
            ):
                await model.complete(
                    [Message("assistant", (ToolResultBlock("c", "success", 1),))], [], None
                )
        assert [] == chat_server.requests


class TestSettings:
    @pytest.mark.parametrize(
        ("kwargs", "setting"),
        [
            ({"model": ""}, "model"),
            ({"base_url": "localhost:11434"}, "base_url"),
            ({"timeout": 0}, "timeout"),
            ({"timeout": float("inf")}, "timeout"),
            ({"timeout": True}, "timeout"),
            ({"temperature": -0.1}, "temperature"),
            ({"max_tokens": 0}, "max_tokens"),
            ({"max_tokens": 1.5}, "max_tokens"),
            ({"extra_headers": {"X-N": 1}}, "extra_headers"),
            ({"extra_headers": [("a", "b")]}, "extra_headers"),
        ],
    )
    def test_bad_settings(self, kwargs: dict[str, Any], setting: str) -> None:
        """Out-of-range settings raise InvalidSettingError naming the setting."""
        arguments = {"model": "m", **kwargs}
        with pytest.raises(InvalidSettingError, match=f"^{setting} must be") as caught:
            OpenAICompatibleModel(**arguments)
        assert setting == caught.value.setting

    def test_defaults(self) -> None:
        """The defaults point at a local Ollama with a 60 s timeout."""
        model = OpenAICompatibleModel("llama3.2")
        assert ("http://127.0.0.1:11434/v1", 60.0, None, None) == (
            model.base_url,
            model.timeout,
            model.temperature,
            model.max_tokens,
        )

    def test_missing_httpx(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without httpx, building the adapter raises DefinitionError naming the extra."""
        monkeypatch.setitem(sys.modules, "httpx", None)
        monkeypatch.delitem(sys.modules, "agentcharts.runtime.models._http")
        with pytest.raises(DefinitionError, match=r'pip install "agentcharts\[openai\]"'):
            OpenAICompatibleModel("m")


class TestClients:
    def test_one_client_per_loop_closed_with_its_loop(self, chat_server: Any) -> None:
        """Calls from separate asyncio.run loops each get a client, closed when the loop ends."""
        url = chat_server.route("loops", body=completion({"content": "ok"}))
        model = OpenAICompatibleModel("m", base_url=url)
        clients: list[httpx.AsyncClient] = []

        async def call() -> str:
            response = await model.complete([user("x")], [], None)
            clients.append(await model._transport._clients.get())
            return response.text

        assert ["ok", "ok"] == [asyncio.run(call()), asyncio.run(call())]
        assert clients[0] is not clients[1]
        assert [True, True] == [client.is_closed for client in clients]

    def test_concurrent_loops_in_threads(self, chat_server: Any) -> None:
        """Several threads, each with its own loop, use one model at the same time."""
        url = chat_server.route(
            "threads",
            respond=lambda body: {"body": completion({"content": body["messages"][-1]["content"]})},
        )
        model = OpenAICompatibleModel("m", base_url=url)
        results: dict[int, str] = {}

        def work(index: int) -> None:
            async def run() -> str:
                outs = [
                    (await model.complete([user(f"{index}-{n}")], [], None)).text for n in range(3)
                ]
                return ",".join(outs)

            results[index] = asyncio.run(run())

        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert {i: f"{i}-0,{i}-1,{i}-2" for i in range(4)} == results

    @pytest.mark.asyncio
    async def test_aclose_then_reuse(self, chat_server: Any) -> None:
        """aclose() closes the loop's client; a later call opens a new one."""
        url = chat_server.route("reuse", body=completion({"content": "ok"}))
        model = OpenAICompatibleModel("m", base_url=url)
        await model.complete([user("x")], [], None)
        first = await model._transport._clients.get()
        await model.aclose()
        assert first.is_closed
        assert "ok" == (await model.complete([user("x")], [], None)).text
        second = await model._transport._clients.get()
        assert second is not first
        await model.aclose()
        assert second.is_closed

    def test_aclose_reaches_a_client_of_another_running_loop(self, chat_server: Any) -> None:
        """aclose() from one loop asks another running loop to close its client."""
        url = chat_server.route("other", body=completion({"content": "ok"}))
        model = OpenAICompatibleModel("m", base_url=url)
        ready, stop = threading.Event(), threading.Event()
        box: dict[str, Any] = {}

        async def hold() -> None:
            await model.complete([user("x")], [], None)
            box["client"] = await model._transport._clients.get()
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.01)

        worker = threading.Thread(target=asyncio.run, args=(hold(),))
        worker.start()
        assert ready.wait(10)

        async def close_from_here() -> None:
            await model.aclose()
            for _ in range(500):
                if box["client"].is_closed:
                    break
                await asyncio.sleep(0.01)

        asyncio.run(close_from_here())
        stop.set()
        worker.join(10)
        assert box["client"].is_closed
