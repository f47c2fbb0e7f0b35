"""
Named concurrency limits shared by threads, tasks and event loops.

A :class:`ConcurrencyRegistry` maps names (usually agent names) to limits. Every name has one
loop-neutral state: the permits held, and a FIFO queue of waiters under one
``threading.Lock``. A thread waits on a lock of its own; a task waits on a future of its own
loop, resolved through ``loop.call_soon_threadsafe``. A release hands the slot straight to the
oldest waiter, so admission is first come, first served for sync and async callers alike, and
a waiter costs no CPU while it waits (nothing polls).

.. versionadded:: 0.1
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections import deque
from typing import Protocol, Self, runtime_checkable

from attrs import frozen

from agentcharts.exceptions import (
    AcquireTimeoutError,
    InvalidSettingError,
    LoopBlockingError,
    UnmatchedReleaseError,
)
from agentcharts.runtime.concurrency._slot import Slot
from agentcharts.runtime.concurrency._waiters import GONE as _GONE
from agentcharts.runtime.concurrency._waiters import GRANTED as _GRANTED
from agentcharts.runtime.concurrency._waiters import WAITING as _WAITING
from agentcharts.runtime.concurrency._waiters import TaskWaiter as _TaskWaiter
from agentcharts.runtime.concurrency._waiters import ThreadWaiter as _ThreadWaiter

__all__ = ["ConcurrencyLimiter", "ConcurrencyRegistry", "HeldSlot", "LimitStats", "Permit", "Slot"]


@frozen
class LimitStats:
    """
    A snapshot of one name's limit: its value, the slots held and the callers waiting.

    .. versionadded:: 0.1
    """

    limit: int | None
    """The limit, or ``None`` when the name is unlimited."""
    held: int
    """How many permits are held (it may exceed a limit that was lowered while held)."""
    waiting: int
    """How many callers wait for a slot, sync and async together."""


class Permit:
    """
    One held slot of a named limit; release it exactly once.

    A permit is a context manager: ``with registry.acquire_sync("db"): ...`` releases the
    slot when the block ends (unless it was released already).

    .. versionadded:: 0.1
    """

    __slots__ = ("_limiter", "_registry", "_released", "name")

    def __init__(self, name: str, limiter: _Limiter, registry: ConcurrencyRegistry) -> None:
        """Build a permit counted as held by ``limiter``; only the registry does this."""
        self.name = name
        """The name of the limit this permit holds a slot of."""
        self._limiter = limiter
        self._registry = registry
        self._released = False

    @property
    def released(self) -> bool:
        """Whether the slot was given back (by this permit or by ``registry.release``)."""
        return self._released

    def release(self) -> None:
        """
        Give the slot back; the oldest waiter, if any, gets it at once.

        Raises:
            UnmatchedReleaseError: The permit was already released.
        """
        with self._registry._lock:  # noqa: SLF001 - the registry and its permits are one unit
            if self._released:
                raise UnmatchedReleaseError(self.name)
            self._registry._give_back(self._limiter, self)  # noqa: SLF001 - same unit

    def __enter__(self) -> Self:
        """Return the permit itself."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Release the slot unless it was released inside the block."""
        if not self._released:
            self.release()

    def __repr__(self) -> str:
        """Return ``<Permit 'name' held>`` or ``<Permit 'name' released>``."""
        return f"<Permit {self.name!r} {'released' if self._released else 'held'}>"


class _Limiter:
    """The state of one name; every method expects the registry lock to be held."""

    __slots__ = ("limit", "name", "permits", "waiters")

    def __init__(self, name: str) -> None:
        self.name = name
        self.limit: int | None = None
        self.permits: dict[Permit, None] = {}
        """The permits held, oldest first (a dict is an ordered set)."""
        self.waiters: deque[_ThreadWaiter[Permit] | _TaskWaiter[Permit]] = deque()

    def free(self) -> bool:
        return self.limit is None or len(self.permits) < self.limit

    def idle(self) -> bool:
        return self.limit is None and not self.permits and not self.waiters


class HeldSlot(Protocol):
    """A slot held of a named limit: what a limiter's ``acquire`` returns."""

    def release(self) -> None:
        """Give the slot back."""


@runtime_checkable
class ConcurrencyLimiter(Protocol):
    """
    What a graph needs of a registry of named limits (in-process, or Redis-backed).

    .. versionadded:: 0.1
    """

    async def acquire(
        self,
        name: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the registries' documented API
    ) -> HeldSlot:
        """Wait for a slot of ``name`` and return it."""
        ...  # pragma: no cover - a protocol

    def stats(self, name: str) -> LimitStats:
        """The limit, holders and waiters of ``name``."""
        ...  # pragma: no cover - a protocol


class ConcurrencyRegistry:
    """
    Named limits on how many callers may hold a slot at once.

    A name with no limit is unlimited: acquiring it returns at once, and the permit is still
    counted in :meth:`stats` so that releases stay symmetric. Admission is FIFO with direct
    hand-off: a release gives the slot to the oldest waiter, sync or async, and a new
    arrival never overtakes a waiter. One registry serves any number of threads and event
    loops at once. Build one per application (or per test) and pass it where it is needed.

    .. versionadded:: 0.1
    """

    def __init__(self) -> None:
        """Build an empty registry: every name is unlimited until :meth:`set_limit`."""
        self._lock = threading.Lock()
        self._limiters: dict[str, _Limiter] = {}

    # ------------------------------------------------------------------ limits

    def set_limit(self, name: str, limit: int) -> None:
        """
        Set or change a name's limit; it applies at once, even while slots are held.

        Raising it admits waiters at once. Lowering it only slows admission: holders keep
        their slots, and ``held`` may stay above the new limit until they release.

        Args:
            name: The limit's name.
            limit: The most slots held at once; a positive ``int`` (not a ``bool``).

        Raises:
            InvalidSettingError: The name is not a non-empty string or the limit is not a
                positive int.
        """
        _check_name(name)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidSettingError("limit", limit, "a positive int")
        with self._lock:
            limiter = self._limiter(name)
            limiter.limit = limit
            self._admit(limiter)

    def get_limit(self, name: str) -> int | None:
        """
        Return a name's limit.

        Args:
            name: The limit's name.

        Returns:
            The limit, or ``None`` when the name is unlimited.
        """
        with self._lock:
            limiter = self._limiters.get(name)
            return None if limiter is None else limiter.limit

    def remove_limit(self, name: str) -> None:
        """
        Make a name unlimited; every waiter is admitted at once and holders keep their slots.

        Releases of slots held before the removal stay valid. Removing a name that has no
        limit does nothing.

        Args:
            name: The limit's name.
        """
        with self._lock:
            limiter = self._limiters.get(name)
            if limiter is not None:
                limiter.limit = None
                self._admit(limiter)
                self._forget_if_idle(limiter)

    def stats(self, name: str) -> LimitStats:
        """
        Return a snapshot of a name's limit, holders and waiters.

        Args:
            name: The limit's name.

        Returns:
            The limit (``None`` if unlimited), the permits held and the callers waiting.
        """
        with self._lock:
            limiter = self._limiters.get(name)
            if limiter is None:
                return LimitStats(limit=None, held=0, waiting=0)
            return LimitStats(limiter.limit, len(limiter.permits), len(limiter.waiters))

    # ------------------------------------------------------------------ acquiring

    def try_acquire(self, name: str) -> Permit | None:
        """
        Take a slot if one is free and nobody waits; never blocks, so any thread may call it.

        Args:
            name: The limit's name.

        Returns:
            The permit, or ``None`` when no slot is free.

        Raises:
            InvalidSettingError: The name is not a non-empty string.
        """
        _check_name(name)
        with self._lock:
            return self._take(self._limiter(name))

    def acquire_sync(self, name: str, *, timeout: float | None = None) -> Permit:
        """
        Take a slot, blocking the calling thread until one is free.

        It refuses to run in a thread whose event loop is running, even when a slot is free,
        so that code which works in a quiet test cannot freeze a loop under load. Use
        ``await acquire()`` there.

        Args:
            name: The limit's name.
            timeout: The most seconds to wait, or ``None`` to wait as long as it takes.

        Returns:
            The permit; release it once, or use it as a context manager.

        Raises:
            LoopBlockingError: An event loop is running in the calling thread.
            AcquireTimeoutError: No slot was free within ``timeout``.
            InvalidSettingError: The name or the timeout is invalid.
        """
        _check_name(name)
        _check_timeout(timeout)
        if _running_loop() is not None:
            raise LoopBlockingError(name)
        with self._lock:
            limiter = self._limiter(name)
            permit = self._take(limiter)
            if permit is not None:
                return permit
            if timeout == 0:
                raise AcquireTimeoutError(name, 0)
            waiter: _ThreadWaiter[Permit] = _ThreadWaiter()
            limiter.waiters.append(waiter)
        try:
            woken = waiter.wait(timeout)
        except BaseException:  # Ctrl-C while waiting: leave no slot behind
            self._abandon(limiter, waiter)
            raise
        with self._lock:
            if woken or waiter.state == _GRANTED:
                assert waiter.permit is not None  # noqa: S101 - granted waiters have one
                return waiter.permit
            self._drop_waiter(limiter, waiter)
        raise AcquireTimeoutError(name, timeout or 0)

    async def acquire(
        self,
        name: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - documented API; must see hand-offs
    ) -> Permit:
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
        """
        _check_name(name)
        _check_timeout(timeout)
        loop = asyncio.get_running_loop()
        with self._lock:
            limiter = self._limiter(name)
            permit = self._take(limiter)
            if permit is not None:
                return permit
            if timeout == 0:
                raise AcquireTimeoutError(name, 0)
            waiter: _TaskWaiter[Permit] = _TaskWaiter(loop)
            limiter.waiters.append(waiter)
        timer = None
        if timeout is not None:
            timer = loop.call_later(timeout, self._expire, limiter, waiter, timeout)
        try:
            return await waiter.future
        except BaseException:
            self._abandon(limiter, waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def release(self, name: str) -> None:
        """
        Give back the oldest slot held under a name (for callers that kept no permit).

        Args:
            name: The limit's name.

        Raises:
            UnmatchedReleaseError: No slot of that name is held; capacity is unchanged.
        """
        with self._lock:
            limiter = self._limiters.get(name)
            if limiter is None or not limiter.permits:
                raise UnmatchedReleaseError(name)
            self._give_back(limiter, next(iter(limiter.permits)))

    def slot(self, name: str, *, timeout: float | None = None) -> Slot[Permit]:
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

    def throttle(self, name: str, *, timeout: float | None = None) -> Slot[Permit]:
        """
        Return :meth:`slot` (kept for code written against ``async with registry.throttle``).

        Args:
            name: The limit's name.
            timeout: The most seconds to wait for the slot, or ``None``.

        Returns:
            The context manager.
        """
        return Slot(self, name, timeout)

    def __repr__(self) -> str:
        """Return the names that have a limit, with their limits."""
        with self._lock:
            limits = {n: lim.limit for n, lim in self._limiters.items() if lim.limit is not None}
        return f"<ConcurrencyRegistry limits={limits!r}>"

    # ------------------------------------------------------------------ internals (lock held)

    def _limiter(self, name: str) -> _Limiter:
        limiter = self._limiters.get(name)
        if limiter is None:
            limiter = self._limiters[name] = _Limiter(name)
        return limiter

    def _take(self, limiter: _Limiter) -> Permit | None:
        limit = limiter.limit
        if limiter.waiters or (limit is not None and len(limiter.permits) >= limit):
            return None
        permit = Permit(limiter.name, limiter, self)
        limiter.permits[permit] = None
        return permit

    def _admit(self, limiter: _Limiter) -> None:
        """Hand free slots to the oldest waiters."""
        waiters = limiter.waiters
        while waiters and limiter.free():
            waiter = waiters.popleft()
            permit = Permit(limiter.name, limiter, self)
            limiter.permits[permit] = None
            if not waiter.deliver(permit):
                del limiter.permits[permit]
                waiter.state = _GONE

    def _give_back(self, limiter: _Limiter, permit: Permit) -> None:
        del limiter.permits[permit]
        permit._released = True  # noqa: SLF001 - the registry owns its permits
        if limiter.waiters:
            self._admit(limiter)
        if limiter.limit is None:
            self._forget_if_idle(limiter)

    def _forget_if_idle(self, limiter: _Limiter) -> None:
        if limiter.idle() and self._limiters.get(limiter.name) is limiter:
            del self._limiters[limiter.name]

    def _drop_waiter(
        self, limiter: _Limiter, waiter: _ThreadWaiter[Permit] | _TaskWaiter[Permit]
    ) -> None:
        limiter.waiters.remove(waiter)
        waiter.state = _GONE
        self._forget_if_idle(limiter)

    # ------------------------------------------------------------------ internals (no lock)

    def _abandon(
        self, limiter: _Limiter, waiter: _ThreadWaiter[Permit] | _TaskWaiter[Permit]
    ) -> None:
        """Withdraw a waiter that stopped waiting; a slot it was just handed goes on."""
        with self._lock:
            if waiter.state == _WAITING:
                self._drop_waiter(limiter, waiter)
            elif waiter.state == _GRANTED:
                waiter.state = _GONE
                permit = waiter.permit
                if permit is not None and not permit.released:
                    self._give_back(limiter, permit)

    def _expire(self, limiter: _Limiter, waiter: _TaskWaiter[Permit], timeout: float) -> None:
        """Time out a task's wait (runs on the task's loop) unless a slot was handed over."""
        with self._lock:
            if waiter.state != _WAITING:
                return
            self._drop_waiter(limiter, waiter)
        if not waiter.future.done():
            waiter.future.set_exception(AcquireTimeoutError(limiter.name, timeout))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """Return the loop running in this thread, or ``None`` (without raising, so it is cheap)."""
    return asyncio.events._get_running_loop()  # noqa: SLF001 - asyncio's own cheap check


def _check_name(name: object) -> None:
    if not isinstance(name, str) or not name:
        raise InvalidSettingError("name", name, "a non-empty string")


def _check_timeout(timeout: object) -> None:
    if timeout is None:
        return
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not (math.isfinite(timeout) and timeout >= 0)
    ):
        raise InvalidSettingError("timeout", timeout, "a number of seconds >= 0, or None")
