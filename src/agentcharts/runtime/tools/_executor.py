"""
An agent's own threads for sync tools, with per-attempt timeouts that start when the tool does.

A sync function cannot be killed in-process. When one runs past its timeout, the caller gets
:class:`~agentcharts.exceptions.ToolTimeoutError` at once and the worker thread running it is
*abandoned*: counted, replaced by a fresh worker, and left to finish on its own. The threads
are daemons, so a hung tool never blocks the interpreter's exit. An executor never runs more
than ``workers + max_abandoned`` threads: once ``max_abandoned`` abandoned threads are still
running, new calls fail at once with :class:`~agentcharts.exceptions.ToolCapacityError`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import math
import threading
import time
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any, Final, TypeVar

from attrs import frozen

from agentcharts.exceptions import (
    InvalidSettingError,
    ToolCapacityError,
    ToolError,
    ToolTimeoutError,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["ExecutorStats", "ToolExecutor"]

ResultT = TypeVar("ResultT")

_QUEUED: Final = 0
_RUNNING: Final = 1
_DONE: Final = 2
_DROPPED: Final = 3
_ABANDONED: Final = 4

_Outcome = tuple[bool, Any]
"""``(True, value)`` or ``(False, exception)``."""


@frozen
class ExecutorStats:
    """
    A snapshot of a tool executor's threads and calls.

    .. versionadded:: 0.1
    """

    workers: int
    """Usable worker threads alive (abandoned ones are not counted)."""
    busy: int
    """Usable workers running a call right now."""
    queued: int
    """Calls waiting for a worker."""
    abandoned: int
    """Abandoned threads still running a call that timed out or was cancelled."""


def _settle(future: asyncio.Future[Any], outcome: _Outcome) -> None:
    if future.done():
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class _Job:
    """One call of a sync function, shared by the caller's loop and a worker thread."""

    __slots__ = (
        "args",
        "context",
        "done",
        "fn",
        "kwargs",
        "loop",
        "outcome",
        "started",
        "state",
        "tool_name",
        "worker",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        tool_name: str,
        timed: bool,
    ) -> None:
        self.loop = loop
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.tool_name = tool_name
        self.context = contextvars.copy_context()
        self.state = _QUEUED
        self.worker: _Worker | None = None
        self.outcome: _Outcome | None = None
        self.done: asyncio.Future[Any] = loop.create_future()
        self.started: asyncio.Future[float] | None = loop.create_future() if timed else None

    def post(self, future: asyncio.Future[Any] | None, outcome: _Outcome) -> None:
        """Settle one of the job's futures from any thread (no-op once the loop is closed)."""
        if future is None:
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self.loop.call_soon_threadsafe(_settle, future, outcome)

    def execute(self) -> _Outcome:
        try:
            return (True, self.context.run(self.fn, *self.args, **self.kwargs))
        except Exception as error:  # noqa: BLE001 - handed to the caller
            return (False, error)
        except BaseException as error:  # noqa: BLE001 - SystemExit in a tool thread
            wrapped = ToolError(self.tool_name, f"raised {type(error).__name__}")
            wrapped.__cause__ = error
            return (False, wrapped)


class _Worker:
    """A worker thread's flag: set once its call is given up on."""

    __slots__ = ("abandoned",)

    def __init__(self) -> None:
        self.abandoned = False


class _Pool:
    """The state the worker threads share; it holds no reference to the ``ToolExecutor``."""

    def __init__(self, agent_name: str, workers: int, max_abandoned: int) -> None:
        self.agent_name = agent_name
        self.size = workers
        self.max_abandoned = max_abandoned
        self.cond = threading.Condition(threading.Lock())
        self.queue: deque[_Job] = deque()
        self.usable: set[_Worker] = set()
        self.idle = 0
        self.arriving = 0
        """Workers about to look at the queue without waiting (new, or just done)."""
        self.busy = 0
        self.abandoned = 0
        self.closed = False
        self.numbers = itertools.count()

    # -------------------------------------------------------------- lock held

    def submit(self, job: _Job) -> list[threading.Thread]:
        if self.closed:
            raise self.closed_error(job.tool_name)
        if self.abandoned >= self.max_abandoned:
            raise ToolCapacityError(job.tool_name, self.agent_name, self.abandoned)
        self.queue.append(job)
        self.cond.notify()
        return self.replenish()

    def replenish(self, *, replace: int = 0) -> list[threading.Thread]:
        """
        Create workers for the queued jobs, and ``replace`` more, within the bounds.

        The threads are returned to be started by the caller, outside the lock.
        """
        threads: list[threading.Thread] = []
        while (
            not self.closed
            and len(self.usable) < self.size
            and len(self.usable) + self.abandoned < self.size + self.max_abandoned
            and (len(threads) < replace or len(self.queue) > self.idle + self.arriving)
        ):
            worker = _Worker()
            name = f"tool-{self.agent_name}_{next(self.numbers)}"
            thread = threading.Thread(target=_work, args=(self, worker), name=name, daemon=True)
            self.usable.add(worker)
            self.arriving += 1
            threads.append(thread)
        return threads

    def abandon(self, job: _Job) -> list[threading.Thread]:
        """Give up on a job: drop it if queued, abandon its worker if running."""
        if job.state == _QUEUED:
            self.queue.remove(job)
            job.state = _DROPPED
            return []
        if job.state != _RUNNING or job.worker is None:
            return []
        job.state = _ABANDONED
        worker = job.worker
        worker.abandoned = True
        self.usable.discard(worker)
        self.busy -= 1
        self.abandoned += 1
        threads = self.replenish(replace=1)
        if not self.usable and self.queue:
            self.fail_queued()
        return threads

    def fail_queued(self) -> None:
        """Refuse the queued jobs: no worker can ever be created to run them."""
        while self.queue:
            job = self.queue.popleft()
            job.state = _DROPPED
            error: ToolError
            if self.closed:
                error = self.closed_error(job.tool_name)
            else:
                error = ToolCapacityError(job.tool_name, self.agent_name, self.abandoned)
            job.post(job.started if job.started is not None else job.done, (False, error))

    def closed_error(self, tool_name: str) -> ToolError:
        return ToolError(tool_name, f"the tool executor of agent {self.agent_name!r} is shut down")

    # -------------------------------------------------------------- takes the lock

    def shutdown(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()


def _start(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()


def _work(pool: _Pool, worker: _Worker) -> None:
    """The loop of one worker thread: take a job, run it, deliver its outcome."""
    cond = pool.cond
    while True:
        with cond:
            pool.arriving -= 1
            while not pool.queue:
                if pool.closed:
                    pool.usable.discard(worker)
                    return
                pool.idle += 1
                cond.wait()
                pool.idle -= 1
            job = pool.queue.popleft()
            job.state = _RUNNING
            job.worker = worker
            pool.busy += 1
        job.post(job.started, (True, time.monotonic()))
        outcome = job.execute()
        threads: list[threading.Thread] = []
        with cond:
            job.outcome = outcome
            leaving = worker.abandoned
            if leaving:
                pool.abandoned -= 1
                threads = pool.replenish()
            else:
                job.state = _DONE
                pool.busy -= 1
                pool.arriving += 1  # back at the queue before its caller can submit again
        job.post(job.done, outcome)
        del job, outcome
        if leaving:
            _start(threads)
            return


def _check_timeout(timeout: object) -> None:
    if timeout is None:
        return
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not (math.isfinite(timeout) and timeout > 0)
    ):
        raise InvalidSettingError("timeout", timeout, "a positive number of seconds, or None")


def _check_count(setting: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidSettingError(setting, value, "a positive int")
    return value


class ToolExecutor:
    """
    One agent's worker threads for sync tools, and timed awaiting of async tools.

    Workers are daemon threads named ``tool-<agent name>_<n>``, created on first use and
    reused. A timeout counts from the moment a worker starts the call, so calls queued behind
    slow ones do not time out. At most ``workers + max_abandoned`` threads ever run.

    .. versionadded:: 0.1
    """

    def __init__(self, agent_name: str, *, workers: int = 2, max_abandoned: int = 4) -> None:
        """
        Build the executor; no thread starts until the first call.

        Args:
            agent_name: The agent's name, used in the threads' names and in errors.
            workers: How many usable worker threads to keep.
            max_abandoned: How many abandoned threads may still run before new calls are
                refused.

        Raises:
            InvalidSettingError: The name is empty or a count is not a positive int.
        """
        if not isinstance(agent_name, str) or not agent_name:
            raise InvalidSettingError("agent_name", agent_name, "a non-empty string")
        self.agent_name = agent_name
        """The agent whose tools run here."""
        self.workers = _check_count("workers", workers)
        """How many usable worker threads the executor keeps."""
        self.max_abandoned = _check_count("max_abandoned", max_abandoned)
        """How many abandoned threads may run before calls are refused."""
        self._pool = _Pool(agent_name, workers, max_abandoned)
        weakref.finalize(self, self._pool.shutdown)

    async def run_sync(
        self,
        fn: Callable[..., ResultT],
        /,
        *args: Any,
        tool_name: str,
        timeout: float | None,  # noqa: ASYNC109 - a per-attempt timeout that starts at start
        **kwargs: Any,
    ) -> ResultT:
        """
        Run a sync function on a worker thread and await its result.

        Context variables are copied into the call. The timeout counts from the moment a
        worker starts ``fn``. On timeout, or when the awaiting task is cancelled while ``fn``
        runs, the worker is abandoned and replaced; a call still queued is simply dropped.

        Args:
            fn: The function.
            *args: Its positional arguments.
            tool_name: The tool's name, for errors.
            timeout: Seconds the call may run, or ``None`` for no limit.
            **kwargs: Its keyword arguments.

        Returns:
            What ``fn`` returned (what it raised is raised here).

        Raises:
            ToolTimeoutError: ``fn`` ran longer than ``timeout``.
            ToolCapacityError: ``max_abandoned`` abandoned threads are still running.
            ToolError: The executor was shut down.
            InvalidSettingError: The timeout is not a positive number or ``None``.
        """
        _check_timeout(timeout)
        loop = asyncio.get_running_loop()
        job = _Job(loop, fn, args, kwargs, tool_name=tool_name, timed=timeout is not None)
        pool = self._pool
        with pool.cond:
            threads = pool.submit(job)
        _start(threads)
        result: ResultT
        try:
            if timeout is None or job.started is None:
                result = await job.done
            else:
                started_at = await job.started
                result = await self._await_timed(job, tool_name, timeout, started_at)
        except BaseException:
            with pool.cond:
                threads = pool.abandon(job)
            _start(threads)
            raise
        return result

    async def _await_timed(
        self,
        job: _Job,
        tool_name: str,
        timeout: float,  # noqa: ASYNC109 - see run_sync
        started_at: float,
    ) -> Any:
        scope = asyncio.timeout(max(timeout - (time.monotonic() - started_at), 0.0))
        try:
            async with scope:
                return await job.done
        except TimeoutError:
            if not scope.expired():
                raise  # the tool's own TimeoutError
        pool = self._pool
        with pool.cond:
            outcome = job.outcome  # it may have finished just at the deadline
            threads = pool.abandon(job) if outcome is None else []
        _start(threads)
        if outcome is None:
            raise ToolTimeoutError(tool_name, timeout) from None
        ok, value = outcome
        if ok:
            return value
        raise value

    async def run_async(
        self,
        coro_fn: Callable[..., Awaitable[ResultT]],
        /,
        *args: Any,
        tool_name: str,
        timeout: float | None,  # noqa: ASYNC109 - a per-attempt timeout
        **kwargs: Any,
    ) -> ResultT:
        """
        Await an async function on the current loop, cancelling it at the timeout.

        Args:
            coro_fn: The ``async`` function.
            *args: Its positional arguments.
            tool_name: The tool's name, for errors.
            timeout: Seconds the call may run, or ``None`` for no limit.
            **kwargs: Its keyword arguments.

        Returns:
            What the coroutine returned.

        Raises:
            ToolTimeoutError: The coroutine ran longer than ``timeout`` (it was cancelled).
            InvalidSettingError: The timeout is not a positive number or ``None``.
        """
        _check_timeout(timeout)
        if timeout is None:
            return await coro_fn(*args, **kwargs)
        scope = asyncio.timeout(timeout)
        try:
            async with scope:
                return await coro_fn(*args, **kwargs)
        except TimeoutError:
            if scope.expired():
                raise ToolTimeoutError(tool_name, timeout) from None
            raise

    def stats(self) -> ExecutorStats:
        """
        Return a snapshot of the executor's threads and calls.

        Returns:
            The usable workers, the busy ones, the queued calls and the abandoned threads.
        """
        pool = self._pool
        with pool.cond:
            return ExecutorStats(len(pool.usable), pool.busy, len(pool.queue), pool.abandoned)

    def shutdown(self) -> None:
        """
        Stop the workers once the queue is empty; never waits, and may be called again.

        Abandoned threads are left to finish on their own. Calls made afterwards raise
        :class:`~agentcharts.exceptions.ToolError`.
        """
        self._pool.shutdown()

    def __repr__(self) -> str:
        """Return the agent's name and the current stats."""
        return f"<ToolExecutor {self.agent_name!r} {self.stats()}>"
