"""Tests for `agentcharts.graphfile.timeouts`: the wrapper-layer tool timeout."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest

from agentcharts import Agent, ScriptedModel, ToolContext, tool
from agentcharts.exceptions import InvalidSettingError
from agentcharts.graphfile import timeout_payload, with_tool_timeout


class TestPayload:
    def test_shape(self):
        """The payload is the JSON string the seed documents; whole seconds have no '.0'."""
        assert {"error": "tool_timeout", "tool": "nap", "timeout_seconds": 30} == json.loads(
            timeout_payload("nap", 30.0)
        )
        assert (
            '{"error": "tool_timeout", "tool": "nap", "timeout_seconds": 0.5}'
            == timeout_payload("nap", 0.5)
        )

    @pytest.mark.parametrize("seconds", [0, -1, float("inf"), True, "5"])
    def test_bad_seconds(self, seconds):
        """Only positive finite numbers are timeouts."""
        with pytest.raises(InvalidSettingError, match="tool_timeout must be a positive number"):
            with_tool_timeout(lambda: None, seconds)


class TestSyncTools:
    def test_timeout_returns_the_string_and_abandons_a_daemon_thread(self):
        """A slow sync tool returns the payload at the deadline; its thread is a daemon."""
        release = threading.Event()

        def slow_lookup(query: str) -> str:
            """Look up slowly."""
            release.wait(5)
            return f"found {query}"

        wrapped = with_tool_timeout(slow_lookup, 0.1)
        started = time.monotonic()
        assert timeout_payload("slow_lookup", 0.1) == wrapped.fn(query="x")
        assert time.monotonic() - started < 2
        abandoned = [t for t in threading.enumerate() if t.name == "tool-timeout-slow_lookup"]
        assert abandoned
        assert all(t.daemon for t in abandoned)
        release.set()

    def test_fast_results_and_errors_pass_through(self):
        """A tool that finishes in time returns or raises as it would unwrapped."""

        @tool(name="adder", description="Add.")
        def add(a: int, b: int) -> int:
            if a < 0:
                raise ValueError("negative")
            return a + b

        wrapped = with_tool_timeout(add, 1)
        assert 3 == wrapped.fn(a=1, b=2)
        with pytest.raises(ValueError, match="negative"):
            wrapped.fn(a=-1, b=2)
        assert ("adder", "Add.", add.input_schema) == (
            wrapped.name,
            wrapped.description,
            wrapped.input_schema,
        )
        assert not wrapped.is_async


class TestAsyncTools:
    def test_timeout_cancels_the_coroutine(self):
        """An async tool is cancelled at the deadline and the payload returned."""
        cancelled = []

        async def fetch(url: str) -> str:
            """Fetch slowly."""
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                cancelled.append(url)
                raise
            return url

        wrapped = with_tool_timeout(fetch, 0.05)
        assert wrapped.is_async
        assert timeout_payload("fetch", 0.05) == asyncio.run(wrapped.fn(url="u"))
        assert ["u"] == cancelled

    def test_own_timeout_error_is_not_the_deadline(self):
        """A TimeoutError the tool raises itself is raised, not turned into the payload."""

        async def fails() -> str:
            """Fail."""
            raise TimeoutError("upstream")

        with pytest.raises(TimeoutError, match="upstream"):
            asyncio.run(with_tool_timeout(fails, 5).fn())


class TestInAnAgent:
    def test_interrupts_and_timeouts_through_an_agent(self, runner):
        """A wrapped context tool still interrupts and resumes; a slow one returns the payload."""

        @tool(context=True)
        def approve(tool_context: ToolContext) -> str:
            """Ask first."""
            return "approved: " + str(tool_context.interrupt("ok?", reason="sure?"))

        @tool
        def slow() -> str:
            """Sleep."""
            time.sleep(1)
            return "late"

        model = ScriptedModel([[{"name": "approve"}, {"name": "slow"}], "done"])
        agent = Agent(
            name="a",
            model=model,
            tools=[with_tool_timeout(approve, 2), with_tool_timeout(slow, 0.1)],
        )
        result = runner(agent, "go")
        assert "interrupt" == result.stop_reason
        answer = [
            {"interruptResponse": {"interruptId": result.interrupts[0].id, "response": "yes"}}
        ]
        assert "done" == str(runner(agent, answer))
        contents = [block.content for block in Agent.tool_results(agent.messages)]
        assert ["approved: yes", timeout_payload("slow", 0.1)] == contents
