"""
Named concurrency limits shared by every process and host that reaches one Redis server.

:class:`RedisConcurrencyRegistry` has the API and the errors of
:class:`~agentcharts.runtime.concurrency._registry.ConcurrencyRegistry`, so a graph takes either
(``GraphBuilder().set_concurrency(registry)``), but its limits, holders and queues live in
Redis: "at most 5 researchers" holds across all the processes that use the same prefix.

- A slot is a lease with a time-to-live, renewed by a background thread while it is held,
  so the slot of a process that crashed comes back once its lease runs out.
- Admission is first come, first served across processes: a ticket counter orders the
  waiters, and a release hands the slot to the oldest one, in the same atomic Lua script.
- Waiting does not poll hard: a registry's waiters sleep on one ``BLPOP`` of its own wake
  list, with a check about once a second as a fallback.
- Losing Redis is an error, never a silent over-admission: an unreachable server raises
  :class:`~agentcharts.exceptions.LimitBackendError`; a lease that could not be renewed for
  a whole lease period is *lost* (``permit.lost``), and releasing it raises; a server that
  lost its data (restarted without persistence, flushed) is detected by an epoch key, and
  the registry refuses to go on.

Install the extra: ``pip install 'agentcharts[redis]'``. One Redis server (or a primary
with replicas) is assumed; Redis Cluster is not supported, since a script touches the keys
of several registries.

.. versionadded:: 0.1
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Self

from agentcharts.exceptions import (
    AcquireTimeoutError,
    InvalidSettingError,
    LoopBlockingError,
)
from agentcharts.runtime.concurrency._registry import LimitStats
from agentcharts.runtime.concurrency._slot import Slot
from agentcharts.runtime.concurrency.redis._backend import Backend
from agentcharts.runtime.concurrency.redis._permits import RedisPermit
from agentcharts.runtime.concurrency.redis._settings import (
    MIN_LEASE_S,
    check_name,
    check_seconds,
    check_timeout,
    import_redis,
    running_loop,
)
from agentcharts.runtime.concurrency.redis._waiters import TaskWaiter, ThreadWaiter

if TYPE_CHECKING:
    from types import TracebackType

    from agentcharts.runtime.concurrency.redis._waiters import Lease

__all__ = ["RedisConcurrencyRegistry", "RedisPermit"]


class RedisConcurrencyRegistry:
    """
    Named limits on how many callers, in any process, may hold a slot at once.

    The API is :class:`~agentcharts.runtime.concurrency._registry.ConcurrencyRegistry`'s. Limits are
    stored in Redis under ``prefix``, so a limit set by one process applies to all of them;
    :meth:`stats` counts holders and waiters of every process. :meth:`release` by name
    gives back the oldest slot held *by this registry*. Calls do network I/O: a blocking
    call (``try_acquire``, ``set_limit``...) from an event loop's thread holds that loop for
    one round trip; ``await acquire()`` and permit releases made on a loop's thread run
    their I/O in the loop's default executor instead.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "agentcharts:limits",
        lease_seconds: float = 10.0,
        renew_every: float | None = None,
    ) -> None:
        """
        Check the settings and build the client; nothing is sent until the first call.

        Args:
            url: The Redis server (``redis://``, ``rediss://`` or ``unix://`` URL).
            prefix: The prefix of every key; registries share limits when they share it.
            lease_seconds: How long a slot outlives the last renewal of its holder: the
                longest a crashed process's slot stays taken. At least 0.1.
            renew_every: How often a held slot's lease is renewed; by default a third of
                the lease. Less than ``lease_seconds``.

        Raises:
            DefinitionError: redis-py is not installed.
            InvalidSettingError: The URL, prefix or a duration is invalid.
        """
        redis = import_redis()
        if not isinstance(prefix, str) or not prefix or any(c.isspace() for c in prefix):
            raise InvalidSettingError("prefix", prefix, "a non-empty string without spaces")
        lease = check_seconds("lease_seconds", lease_seconds, least=MIN_LEASE_S, below=None)
        renew = (
            lease / 3
            if renew_every is None
            else check_seconds("renew_every", renew_every, least=0, below=lease)
        )
        if not isinstance(url, str):
            raise InvalidSettingError("url", url, "a redis:// URL")
        self._prefix = prefix
        self._backend = Backend(redis, url, prefix=prefix, lease_s=lease, renew_every=renew)

    @property
    def lease_seconds(self) -> float:
        """How long a slot outlives the last renewal of its holder."""
        return self._backend.lease_s

    @property
    def prefix(self) -> str:
        """The prefix of every key this registry uses."""
        return self._prefix

    def __repr__(self) -> str:
        """Show the server, the prefix and the lease."""
        return (
            f"<RedisConcurrencyRegistry {self._backend.url} prefix={self._prefix!r} "
            f"lease={self._backend.lease_s:g}s>"
        )

    def __enter__(self) -> Self:
        """Return the registry; it is closed when the ``with`` block ends."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the registry."""
        self.close()

    def close(self) -> None:
        """
        Stop the background thread and disconnect; waiting callers get ``ConcurrencyError``.

        Slots still held are no longer renewed and come back when their leases run out;
        release them first. Later calls raise ``ConcurrencyError``.
        """
        self._backend.close()

    # ------------------------------------------------------------------ limits

    def set_limit(self, name: str, limit: int) -> None:
        """
        Set or change a name's limit for every process; it applies at once.

        Raising it admits waiters at once. Lowering it only slows admission: holders keep
        their slots.

        Args:
            name: The limit's name.
            limit: The most slots held at once; a positive ``int`` (not a ``bool``).

        Raises:
            InvalidSettingError: The name is not a non-empty string or the limit is not a
                positive int.
            LimitBackendError: Redis cannot be reached or lost its state.
        """
        check_name(name)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidSettingError("limit", limit, "a positive int")
        self._backend.call(name, lambda: self._backend.scripts.configure(name, limit))

    def get_limit(self, name: str) -> int | None:
        """
        Return a name's limit.

        Args:
            name: The limit's name.

        Returns:
            The limit, or ``None`` when the name is unlimited.

        Raises:
            InvalidSettingError: The name is not a non-empty string.
            LimitBackendError: Redis cannot be reached or lost its state.
        """
        return self.stats(name).limit

    def remove_limit(self, name: str) -> None:
        """
        Make a name unlimited for every process; every waiter is admitted at once.

        Args:
            name: The limit's name.

        Raises:
            InvalidSettingError: The name is not a non-empty string.
            LimitBackendError: Redis cannot be reached or lost its state.
        """
        check_name(name)
        self._backend.call(name, lambda: self._backend.scripts.configure(name, None))

    def stats(self, name: str) -> LimitStats:
        """
        Return a snapshot of a name's limit, holders and waiters, in every process.

        Args:
            name: The limit's name.

        Returns:
            The limit (``None`` if unlimited), the slots held and the callers waiting.

        Raises:
            InvalidSettingError: The name is not a non-empty string.
            LimitBackendError: Redis cannot be reached or lost its state.
        """
        check_name(name)
        backend = self._backend
        limit, held, waiting = backend.call(name, lambda: backend.scripts.stats(name))
        return LimitStats(limit=limit, held=held, waiting=waiting)

    # ------------------------------------------------------------------ acquiring

    def try_acquire(self, name: str) -> RedisPermit | None:
        """
        Take a slot if one is free and nobody waits, in any process; never waits.

        Args:
            name: The limit's name.

        Returns:
            The permit, or ``None`` when no slot is free.

        Raises:
            InvalidSettingError: The name is not a non-empty string.
            LimitBackendError: Redis cannot be reached or lost its state.
        """
        check_name(name)
        lease = self._backend.try_acquire(name)
        return None if lease is None else RedisPermit(name, lease, self._backend)

    def acquire_sync(self, name: str, *, timeout: float | None = None) -> RedisPermit:
        """
        Take a slot, blocking the calling thread until one is free in every process.

        It refuses to run in a thread whose event loop is running, even when a slot is free;
        use ``await acquire()`` there.

        Args:
            name: The limit's name.
            timeout: The most seconds to wait, or ``None`` to wait as long as it takes.

        Returns:
            The permit; release it once, or use it as a context manager.

        Raises:
            LoopBlockingError: An event loop is running in the calling thread.
            AcquireTimeoutError: No slot was free within ``timeout``.
            InvalidSettingError: The name or the timeout is invalid.
            LimitBackendError: Redis cannot be reached, lost its state, or was unreachable
                for so long that this caller's place in the queue ran out.
        """
        check_name(name)
        check_timeout(timeout)
        if running_loop() is not None:
            raise LoopBlockingError(name)
        if timeout == 0:
            permit = self.try_acquire(name)
            if permit is None:
                raise AcquireTimeoutError(name, 0)
            return permit
        deadline = None if timeout is None else time.monotonic() + timeout
        backend = self._backend
        waiter = ThreadWaiter(name, backend.token())
        backend.keeper.add_waiter(waiter)
        try:
            backend.enqueue(waiter)
            waiter.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        except BaseException:  # Ctrl-C while waiting: leave no slot behind
            backend.abandon(waiter)
            raise
        return RedisPermit(name, backend.conclude(waiter, timeout), backend)

    async def acquire(
        self,
        name: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the documented API of the registries
    ) -> RedisPermit:
        """
        Take a slot, suspending the calling task (never its loop) until one is free.

        Cancelling the task while it waits leaves no slot taken: a slot handed over at that
        very moment goes on to the next waiter.

        Args:
            name: The limit's name.
            timeout: The most seconds to wait, or ``None`` to wait as long as it takes.

        Returns:
            The permit; release it once, or use it as a context manager.

        Raises:
            AcquireTimeoutError: No slot was free within ``timeout``.
            InvalidSettingError: The name or the timeout is invalid.
            LimitBackendError: Redis cannot be reached, lost its state, or was unreachable
                for so long that this caller's place in the queue ran out.
        """
        check_name(name)
        check_timeout(timeout)
        loop = asyncio.get_running_loop()
        if timeout == 0:
            permit = await loop.run_in_executor(None, self.try_acquire, name)
            if permit is None:
                raise AcquireTimeoutError(name, 0)
            return permit
        backend = self._backend
        waiter = TaskWaiter(name, backend.token(), loop)
        backend.keeper.add_waiter(waiter)
        loop.run_in_executor(None, backend.enqueue, waiter)
        try:
            async with asyncio.timeout(timeout):
                lease: Lease = await waiter.future
        except TimeoutError:
            backend.abandon(waiter)
            raise AcquireTimeoutError(name, timeout or 0) from None
        except BaseException:
            backend.abandon(waiter)
            raise
        return RedisPermit(name, lease, backend)

    def release(self, name: str) -> None:
        """
        Give back the oldest slot this registry holds under a name (for callers without a permit).

        Args:
            name: The limit's name.

        Raises:
            UnmatchedReleaseError: This registry holds no slot of that name.
            LimitBackendError: The slot's lease was lost before this release.
        """
        self._backend.give_back(None, name)

    def slot(self, name: str, *, timeout: float | None = None) -> Slot[RedisPermit]:
        """
        Return a context manager that holds a slot for the length of a block.

        ``with registry.slot(name):`` acquires with :meth:`acquire_sync`, and
        ``async with registry.slot(name):`` with :meth:`acquire`.

        Args:
            name: The limit's name.
            timeout: The most seconds to wait for the slot, or ``None``.

        Returns:
            The context manager; use it for one block at a time.
        """
        return Slot(self, name, timeout)

    def throttle(self, name: str, *, timeout: float | None = None) -> Slot[RedisPermit]:
        """
        Return :meth:`slot` (kept for code written against ``async with registry.throttle``).

        Args:
            name: The limit's name.
            timeout: The most seconds to wait for the slot, or ``None``.

        Returns:
            The context manager.
        """
        return Slot(self, name, timeout)
