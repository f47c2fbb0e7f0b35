"""Tests for `agentcharts.runtime.tools._calls`: timeouts, retries and lifecycles of tool calls."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from agentcharts import Agent, RetryPolicy, ScriptedModel, ToolConfig, tool
from agentcharts.machines import TransitionRecorder

FAST_RETRY = RetryPolicy(max_attempts=3, initial_delay_ms=1, max_delay_ms=5)


def run_one(runner, tools, call, config=None, recorder=None):
    agent = Agent(
        name="tc",
        model=ScriptedModel([[call], "done"]),
        tools=tools,
        tool_config=config,
        recorder=recorder,
    )
    runner(agent, "go")
    (block,) = Agent.tool_results(agent.messages)
    return agent, block


def events_of(recorder, machine="tool_call"):
    return [r.event for r in recorder.records if r.machine == machine]


class TestTimeouts:
    def test_sync_timeout_result_is_exact(self, runner):
        """A timed-out sync tool gives exactly the documented result, with the number as given."""
        release = threading.Event()

        @tool
        def hang() -> str:
            """Hang until released."""
            release.wait(10)
            return "late"

        try:
            _, block = run_one(runner, [hang], {"name": "hang"}, ToolConfig(timeout=0.2))
        finally:
            release.set()
        assert "error" == block.status
        assert {"error": "Tool timed out after 0.2s", "timeout": True} == block.content

    def test_async_timeout_is_cancelled(self, runner):
        """A timed-out async tool is cancelled and gives the same result shape."""
        cancelled = threading.Event()

        @tool
        async def slow() -> str:
            """Sleep for a long time."""
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancelled.set()
                raise
            return "late"

        recorder = TransitionRecorder()
        _, block = run_one(
            runner, [slow], {"name": "slow"}, ToolConfig(timeout=0.1), recorder=recorder
        )
        assert {"error": "Tool timed out after 0.1s", "timeout": True} == block.content
        assert cancelled.is_set()
        assert ["start", "time_out"] == events_of(recorder)

    def test_whole_seconds_are_quoted_as_given(self, runner):
        """A timeout of 1 (an int) reads "1s", as the number was given."""

        @tool(timeout=1)
        async def slow() -> str:
            """Sleep."""
            await asyncio.sleep(5)
            return "late"

        _, block = run_one(runner, [slow], {"name": "slow"})
        assert {"error": "Tool timed out after 1s", "timeout": True} == block.content

    def test_per_tool_override(self, runner):
        """A timeout on the decorator wins over the agent's config."""

        @tool(timeout=0.1)
        async def slow() -> str:
            """Sleep."""
            await asyncio.sleep(5)
            return "late"

        _, block = run_one(runner, [slow], {"name": "slow"}, ToolConfig(timeout=30))
        assert {"error": "Tool timed out after 0.1s", "timeout": True} == block.content

    def test_fast_tool_not_blocked_by_hung_tools(self, runner):
        """Two hung sync tools and a fast one in one turn: the fast one completes promptly."""
        release = threading.Event()

        @tool
        def hang(n: int) -> str:
            """Hang."""
            release.wait(10)
            return "late"

        @tool
        def fast() -> str:
            """Answer at once."""
            return "quick"

        calls = [
            {"name": "hang", "input": {"n": 1}},
            {"name": "hang", "input": {"n": 2}},
            {"name": "fast", "input": {}},
        ]
        agent = Agent(
            name="mixed",
            model=ScriptedModel([calls, "done"]),
            tools=[hang, fast],
            tool_config=ToolConfig(timeout=0.3),
        )
        started = time.monotonic()
        try:
            runner(agent, "go")
        finally:
            release.set()
        assert time.monotonic() - started < 5
        contents = [b.content for b in Agent.tool_results(agent.messages)]
        assert "quick" == contents[2]
        assert contents[0]["timeout"] is True


class TestRetries:
    def test_retry_then_success(self, runner):
        """A connection error is retried by the policy; every attempt is a transition."""
        attempts = []

        @tool
        def flaky() -> str:
            """Fail twice, then work."""
            attempts.append(1)
            if len(attempts) < 3:
                raise ConnectionError("refused")
            return "ok"

        recorder = TransitionRecorder()
        _, block = run_one(
            runner, [flaky], {"name": "flaky"}, ToolConfig(retry_policy=FAST_RETRY), recorder
        )
        assert "ok" == block.content
        assert ["start", "fail", "retry", "fail", "retry", "succeed"] == events_of(recorder)
        targets = [r.target for r in recorder.records]
        assert ["running", "retry_wait", "running", "retry_wait", "running", "succeeded"] == targets

    def test_retries_exhausted(self, runner):
        """When retries run out, the result says how many attempts ran and the last error."""

        @tool
        def down() -> str:
            """Always refused."""
            raise ConnectionError("still refused")

        _, block = run_one(runner, [down], {"name": "down"}, ToolConfig(retry_policy=FAST_RETRY))
        assert {"error": "ConnectionError: still refused", "attempts": 3} == block.content

    def test_non_retryable_errors_fail_at_once(self, runner):
        """An error kind outside retry_on fails on the first attempt."""

        @tool
        def bad() -> str:
            """Raise a plain error."""
            raise ValueError("nope")

        _, block = run_one(runner, [bad], {"name": "bad"}, ToolConfig(retry_policy=FAST_RETRY))
        assert 1 == block.content["attempts"]

    @pytest.mark.parametrize(
        "error", [ValueError("invalid timeout value: -1"), KeyError("timeout")], ids=repr
    )
    def test_a_bug_that_mentions_a_timeout_is_not_retried(self, runner, error):
        """A programming error is not retried because its message says "timeout"."""

        @tool
        def buggy() -> str:
            """Fail with a bug."""
            raise error

        _, block = run_one(runner, [buggy], {"name": "buggy"}, ToolConfig(retry_policy=FAST_RETRY))
        assert 1 == block.content["attempts"]

    @pytest.mark.parametrize(("idempotent", "expected_attempts"), [(False, 1), (True, 3)])
    def test_timed_out_sync_attempts_retry_only_if_idempotent(
        self, runner, idempotent, expected_attempts
    ):
        """A timed-out sync attempt may still run, so it is retried only for idempotent tools."""
        release = threading.Event()
        started = []

        @tool(idempotent=idempotent)
        def hang() -> str:
            """Hang."""
            started.append(1)
            release.wait(10)
            return "late"

        config = ToolConfig(timeout=0.1, retry_policy=FAST_RETRY)
        try:
            _, block = run_one(runner, [hang], {"name": "hang"}, config)
        finally:
            release.set()
        assert {"error": "Tool timed out after 0.1s", "timeout": True} == block.content
        assert expected_attempts == len(started)
