"""Tests for `agentcharts.runtime.tools`."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from agentcharts.exceptions import (
    InvalidSettingError,
    ToolCapacityError,
    ToolError,
    ToolTimeoutError,
)
from agentcharts.runtime.tools import ExecutorStats, ToolExecutor

REQUEST_ID = contextvars.ContextVar("REQUEST_ID", default="none")


@pytest.fixture
def gate():
    """An event that hung tools wait on; it is set at teardown so their threads end."""
    event = threading.Event()
    yield event
    event.set()


def tool_threads(agent_name):
    return [t for t in threading.enumerate() if t.name.startswith(f"tool-{agent_name}_")]


async def await_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def current_thread():
    thread = threading.current_thread()
    return thread.name, thread.daemon, thread.ident


class TestWorkers:
    @pytest.mark.asyncio
    async def test_thread_names_and_daemons(self):
        """Tools run on daemon threads named tool-<agent name>_<n>."""
        executor = ToolExecutor("weather")
        name, daemon, _ = await executor.run_sync(current_thread, tool_name="t", timeout=None)
        assert "tool-weather_0" == name
        assert daemon is True
        executor.shutdown()

    @pytest.mark.asyncio
    async def test_workers_are_created_lazily_and_reused(self):
        """No thread before the first call; sequential calls reuse the same worker."""
        executor = ToolExecutor("reuse")
        assert ExecutorStats(workers=0, busy=0, queued=0, abandoned=0) == executor.stats()
        idents = {
            (await executor.run_sync(current_thread, tool_name="t", timeout=5))[2]
            for _ in range(10)
        }
        assert 1 == len(idents)
        assert ExecutorStats(workers=1, busy=0, queued=0, abandoned=0) == executor.stats()
        executor.shutdown()

    @pytest.mark.asyncio
    async def test_at_most_workers_threads_for_concurrent_calls(self):
        """Six concurrent calls on two workers use exactly two threads."""
        executor = ToolExecutor("pair", workers=2)

        def slow():
            time.sleep(0.05)
            return threading.current_thread().name

        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(executor.run_sync(slow, tool_name="t", timeout=5))
                for _ in range(6)
            ]
        assert {"tool-pair_0", "tool-pair_1"} == {t.result() for t in tasks}
        assert 2 == executor.stats().workers
        executor.shutdown()

    @pytest.mark.asyncio
    async def test_arguments_results_and_errors(self):
        """Positional and keyword arguments reach the function; its exceptions come back."""
        executor = ToolExecutor("args")

        def divide(a, b, *, scale=1):
            return a / b * scale

        assert 6.0 == await executor.run_sync(divide, 6, 2, tool_name="d", timeout=1, scale=2)
        with pytest.raises(ZeroDivisionError):
            await executor.run_sync(divide, 1, 0, tool_name="d", timeout=1)
        assert 0 == executor.stats().busy
        executor.shutdown()

    @pytest.mark.asyncio
    async def test_system_exit_in_a_tool_becomes_a_tool_error(self):
        """A tool raising SystemExit does not kill anything: the caller gets a ToolError."""
        executor = ToolExecutor("exit")

        def leave():
            raise SystemExit(3)

        with pytest.raises(ToolError, match="raised SystemExit") as info:
            await executor.run_sync(leave, tool_name="leave", timeout=None)
        assert isinstance(info.value.__cause__, SystemExit)
        assert "done" == await executor.run_sync(lambda: "done", tool_name="t", timeout=None)
        executor.shutdown()

    @pytest.mark.asyncio
    async def test_contextvars_propagate(self):
        """The caller's context variables are visible in the tool; its changes stay there."""
        executor = ToolExecutor("ctx")

        def read_and_set():
            seen = REQUEST_ID.get()
            REQUEST_ID.set("changed-in-tool")
            return seen

        token = REQUEST_ID.set("req-42")
        try:
            assert "req-42" == await executor.run_sync(read_and_set, tool_name="t", timeout=1)
            assert "req-42" == REQUEST_ID.get()
        finally:
            REQUEST_ID.reset(token)
        executor.shutdown()

    def test_several_event_loops_at_once(self):
        """Loops in different threads share one executor; each gets its own results."""
        executor = ToolExecutor("loops", workers=2)
        results = {}

        def square(n):
            time.sleep(0.01)
            return n * n

        async def many(base):
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(
                        executor.run_sync(square, base + i, tool_name="sq", timeout=5)
                    )
                    for i in range(5)
                ]
            return [t.result() for t in tasks]

        def run(base):
            results[base] = asyncio.run(many(base))

        threads = [threading.Thread(target=run, args=(b,)) for b in (0, 100, 200)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert {b: [(b + i) ** 2 for i in range(5)] for b in (0, 100, 200)} == results
        executor.shutdown()


class TestTimeouts:
    @pytest.mark.asyncio
    async def test_queue_time_does_not_count(self):
        """Four 0.3 s calls on two workers with a 0.5 s timeout all succeed."""
        executor = ToolExecutor("queue", workers=2)

        def work(n):
            time.sleep(0.3)
            return n

        started = time.monotonic()
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(executor.run_sync(work, n, tool_name="w", timeout=0.5))
                for n in range(4)
            ]
        assert [0, 1, 2, 3] == [t.result() for t in tasks]
        assert time.monotonic() - started >= 0.55
        assert 0 == executor.stats().abandoned
        executor.shutdown()

    @pytest.mark.asyncio
    async def test_timeout_raises_promptly_and_abandons_the_worker(self, gate):
        """A hung call raises ToolTimeoutError at its timeout; its worker is replaced."""
        executor = ToolExecutor("hang", workers=1)
        started = time.monotonic()
        with pytest.raises(ToolTimeoutError) as info:
            await executor.run_sync(gate.wait, tool_name="hang", timeout=0.2)
        assert time.monotonic() - started < 2
        assert ("hang", 0.2) == (info.value.tool_name, info.value.timeout_s)
        assert ExecutorStats(workers=1, busy=0, queued=0, abandoned=1) == executor.stats()
        name, _, _ = await executor.run_sync(current_thread, tool_name="t", timeout=1)
        assert "tool-hang_1" == name

    @pytest.mark.asyncio
    async def test_two_hung_tools_then_a_fast_one(self, gate):
        """Two hung tools fill both workers; a fast tool queued behind them still completes."""
        executor = ToolExecutor("mixed", workers=2)
        started = time.monotonic()
        hung = [
            asyncio.create_task(executor.run_sync(gate.wait, tool_name="hang", timeout=0.3))
            for _ in range(2)
        ]
        await await_until(lambda: executor.stats().busy == 2)
        fast = await executor.run_sync(lambda: "quick", tool_name="fast", timeout=0.3)
        assert "quick" == fast
        assert time.monotonic() - started < 3
        for task in hung:
            with pytest.raises(ToolTimeoutError):
                await task
        assert ExecutorStats(workers=2, busy=0, queued=0, abandoned=2) == executor.stats()
        assert "later" == await executor.run_sync(lambda: "later", tool_name="t", timeout=1)

    @pytest.mark.asyncio
    async def test_capacity_error_past_the_bound(self, gate):
        """With max_abandoned abandoned threads running, a new call is refused at once."""
        executor = ToolExecutor("full", workers=1, max_abandoned=2)
        for _ in range(2):
            with pytest.raises(ToolTimeoutError):
                await executor.run_sync(gate.wait, tool_name="hang", timeout=0.1)
        started = time.monotonic()
        with pytest.raises(ToolCapacityError) as info:
            await executor.run_sync(lambda: "x", tool_name="next", timeout=1)
        assert time.monotonic() - started < 0.5
        assert ("next", "full", 2) == (
            info.value.tool_name,
            info.value.agent_name,
            info.value.abandoned,
        )
        assert len(tool_threads("full")) <= 1 + 2

    @pytest.mark.asyncio
    async def test_abandoned_count_drops_when_the_hung_call_returns(self, gate):
        """When an abandoned call finally returns, its thread exits and capacity comes back."""
        executor = ToolExecutor("recover", workers=1, max_abandoned=1)
        with pytest.raises(ToolTimeoutError):
            await executor.run_sync(gate.wait, tool_name="hang", timeout=0.1)
        assert 1 == executor.stats().abandoned
        with pytest.raises(ToolCapacityError):
            await executor.run_sync(lambda: "x", tool_name="t", timeout=1)
        gate.set()
        await await_until(lambda: executor.stats().abandoned == 0)
        await await_until(lambda: "tool-recover_0" not in [t.name for t in tool_threads("recover")])
        assert "x" == await executor.run_sync(lambda: "x", tool_name="t", timeout=1)
        executor.shutdown()

    @pytest.mark.asyncio
    async def test_queued_calls_fail_when_no_worker_can_be_made(self, gate):
        """A call queued behind hung ones is refused once the thread bound is reached."""
        executor = ToolExecutor("bound", workers=1, max_abandoned=1)
        tasks = [
            asyncio.create_task(executor.run_sync(gate.wait, tool_name=f"h{n}", timeout=0.1))
            for n in range(3)
        ]
        outcomes = []
        for task in tasks:
            try:
                await task
            except Exception as error:
                outcomes.append(type(error))
        assert [ToolTimeoutError, ToolTimeoutError, ToolCapacityError] == outcomes
        assert len(tool_threads("bound")) <= 2
        assert ExecutorStats(workers=0, busy=0, queued=0, abandoned=2) == executor.stats()

    @pytest.mark.parametrize("fails", [False, True])
    @pytest.mark.asyncio
    async def test_a_result_in_by_the_deadline_is_not_a_timeout(self, fails):
        """A call that finished before its deadline wins, even if the loop saw both late."""
        executor = ToolExecutor("edge")

        def quick():
            time.sleep(0.05)
            if fails:
                raise ValueError("in time, but failed")
            return "in time"

        task = asyncio.create_task(executor.run_sync(quick, tool_name="q", timeout=0.15))
        await await_until(lambda: executor.stats().busy == 1)
        for _ in range(5):
            await asyncio.sleep(0)  # let the task arm its timeout
        time.sleep(0.4)  # block the loop past both the tool's end and the deadline
        if fails:
            with pytest.raises(ValueError, match="in time, but failed"):
                await task
        else:
            assert "in time" == await task
        assert 0 == executor.stats().abandoned
        executor.shutdown()

    @pytest.mark.asyncio
    async def test_a_tools_own_timeout_error_is_not_a_tool_timeout(self):
        """A TimeoutError raised by the tool itself comes back as it is."""
        executor = ToolExecutor("own")

        def fail():
            raise TimeoutError("upstream timed out")

        with pytest.raises(TimeoutError, match="upstream") as info:
            await executor.run_sync(fail, tool_name="t", timeout=5)
        assert not isinstance(info.value, ToolTimeoutError)
        executor.shutdown()

    @pytest.mark.parametrize("bad", [0, -1, float("nan"), True, "1"])
    @pytest.mark.asyncio
    async def test_timeout_validation(self, bad):
        """A timeout is a positive finite number, or None."""
        executor = ToolExecutor("valid")
        with pytest.raises(InvalidSettingError, match="timeout"):
            await executor.run_sync(lambda: 1, tool_name="t", timeout=bad)
        with pytest.raises(InvalidSettingError, match="timeout"):
            await executor.run_async(asyncio.sleep, 0, tool_name="t", timeout=bad)
        assert 0 == executor.stats().workers


class TestCancellation:
    @pytest.mark.asyncio
    async def test_cancelled_while_running_abandons_the_worker(self, gate):
        """Cancelling the awaiting task while the tool runs abandons its worker."""
        executor = ToolExecutor("cancel", workers=1)
        task = asyncio.create_task(executor.run_sync(gate.wait, tool_name="t", timeout=None))
        await await_until(lambda: executor.stats().busy == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert ExecutorStats(workers=1, busy=0, queued=0, abandoned=1) == executor.stats()
        gate.set()
        await await_until(lambda: executor.stats().abandoned == 0)
        executor.shutdown()

    @pytest.mark.asyncio
    async def test_cancelled_while_queued_is_dropped(self, gate):
        """A queued call whose task is cancelled never runs."""
        executor = ToolExecutor("drop", workers=1)
        ran = []
        blocker = asyncio.create_task(executor.run_sync(gate.wait, tool_name="b", timeout=None))
        await await_until(lambda: executor.stats().busy == 1)
        queued = asyncio.create_task(
            executor.run_sync(lambda: ran.append(1), tool_name="q", timeout=1)
        )
        await await_until(lambda: executor.stats().queued == 1)
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        assert 0 == executor.stats().queued
        gate.set()
        assert await blocker is True
        assert [] == ran
        assert 0 == executor.stats().abandoned
        executor.shutdown()


class TestAsyncTools:
    @pytest.mark.asyncio
    async def test_async_tool_is_cancelled_at_the_timeout(self):
        """run_async cancels the coroutine at the timeout and raises ToolTimeoutError."""
        executor = ToolExecutor("async")
        cancelled = asyncio.Event()

        async def slow():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancelled.set()
                raise

        started = time.monotonic()
        with pytest.raises(ToolTimeoutError) as info:
            await executor.run_async(slow, tool_name="slow", timeout=0.1)
        assert time.monotonic() - started < 2
        assert cancelled.is_set()
        assert 0.1 == info.value.timeout_s
        assert ExecutorStats(0, 0, 0, 0) == executor.stats()

    @pytest.mark.asyncio
    async def test_async_results_errors_and_no_timeout(self):
        """run_async passes arguments, returns results and raises the tool's errors."""
        executor = ToolExecutor("async")

        async def add(a, *, b):
            await asyncio.sleep(0)
            return a + b

        async def own_timeout():
            raise TimeoutError("mine")

        assert 5 == await executor.run_async(add, 2, tool_name="add", timeout=1, b=3)
        assert 5 == await executor.run_async(add, 2, tool_name="add", timeout=None, b=3)
        with pytest.raises(TimeoutError, match="mine") as info:
            await executor.run_async(own_timeout, tool_name="t", timeout=1)
        assert not isinstance(info.value, ToolTimeoutError)


class TestLifecycle:
    @pytest.mark.parametrize(
        ("kwargs", "setting"),
        [
            ({"agent_name": ""}, "agent_name"),
            ({"agent_name": "a", "workers": 0}, "workers"),
            ({"agent_name": "a", "workers": True}, "workers"),
            ({"agent_name": "a", "max_abandoned": 0}, "max_abandoned"),
            ({"agent_name": "a", "max_abandoned": 1.5}, "max_abandoned"),
        ],
    )
    def test_validation(self, kwargs, setting):
        """The name is non-empty and the counts are positive ints."""
        with pytest.raises(InvalidSettingError, match=setting):
            ToolExecutor(**kwargs)

    @pytest.mark.asyncio
    async def test_shutdown_stops_idle_workers_and_refuses_calls(self):
        """shutdown() ends idle workers, may be repeated, and later calls raise ToolError."""
        executor = ToolExecutor("stop", workers=2)
        async with asyncio.TaskGroup() as group:
            for _ in range(2):
                group.create_task(executor.run_sync(time.sleep, 0.05, tool_name="t", timeout=1))
        assert 2 == len(tool_threads("stop"))
        executor.shutdown()
        executor.shutdown()
        await await_until(lambda: not tool_threads("stop"))
        with pytest.raises(ToolError, match="shut down"):
            await executor.run_sync(lambda: 1, tool_name="late", timeout=None)
        assert "<ToolExecutor 'stop' ExecutorStats(workers=0, busy=0, queued=0, abandoned=0)>" == (
            repr(executor)
        )

    @pytest.mark.asyncio
    async def test_shutdown_does_not_wait_for_abandoned_threads(self, gate):
        """shutdown() returns at once while an abandoned tool still runs."""
        executor = ToolExecutor("busy-stop", workers=1)
        with pytest.raises(ToolTimeoutError):
            await executor.run_sync(gate.wait, tool_name="hang", timeout=0.1)
        started = time.monotonic()
        executor.shutdown()
        assert time.monotonic() - started < 0.5
        assert 1 == executor.stats().abandoned

    @pytest.mark.asyncio
    async def test_queued_calls_fail_when_shut_down_and_no_worker_is_left(self, gate):
        """After shutdown no worker replaces an abandoned one, so queued calls are refused."""
        executor = ToolExecutor("closing", workers=1)
        hung = asyncio.create_task(executor.run_sync(gate.wait, tool_name="hang", timeout=0.2))
        await await_until(lambda: executor.stats().busy == 1)
        queued = asyncio.create_task(executor.run_sync(lambda: 1, tool_name="next", timeout=None))
        await await_until(lambda: executor.stats().queued == 1)
        executor.shutdown()
        with pytest.raises(ToolTimeoutError):
            await hung
        with pytest.raises(ToolError, match="shut down") as info:
            await queued
        assert "next" == info.value.tool_name
        assert ExecutorStats(workers=0, busy=0, queued=0, abandoned=1) == executor.stats()

    @pytest.mark.asyncio
    async def test_collected_executor_stops_its_workers(self):
        """When the executor is garbage-collected, its idle workers end."""
        executor = ToolExecutor("collected")
        await executor.run_sync(lambda: None, tool_name="t", timeout=None)
        assert 1 == len(tool_threads("collected"))
        del executor
        gc.collect()
        await await_until(lambda: not tool_threads("collected"))

    @pytest.mark.slow
    def test_interpreter_exits_while_a_hung_tool_runs(self):
        """A process exits promptly although an abandoned tool thread sleeps for 60 s."""
        script = textwrap.dedent(
            """
            import asyncio
            import time

            from agentcharts.exceptions import ToolTimeoutError
            from agentcharts.runtime.tools import ToolExecutor

            executor = ToolExecutor("exit")

            async def main():
                try:
                    await executor.run_sync(time.sleep, 60, tool_name="sleep", timeout=0.2)
                except ToolTimeoutError as error:
                    print("timed out:", error, flush=True)
                print(executor.stats(), flush=True)

            asyncio.run(main())
            """
        )
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
        )
        elapsed = time.monotonic() - started
        assert 0 == done.returncode, done.stderr
        assert (
            "timed out: tool 'sleep': attempt 1 timed out after 0.2s\n"
            "ExecutorStats(workers=1, busy=0, queued=0, abandoned=1)\n"
        ) == done.stdout
        assert elapsed < 10
