"""
Named concurrency limits shared by every process and host that reaches one Redis server.

:class:`RedisConcurrencyRegistry` has the API and the errors of
:class:`~agentcharts.runtime.concurrency.ConcurrencyRegistry`, so a graph takes either
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
import itertools
import logging
import math
import secrets
import time
from typing import TYPE_CHECKING, Final, Self
from urllib.parse import urlsplit, urlunsplit

from agentcharts.exceptions import (
    AcquireTimeoutError,
    DefinitionError,
    InvalidSettingError,
    LimitBackendError,
    LoopBlockingError,
    UnmatchedReleaseError,
)
from agentcharts.runtime._redis_keeper import Keeper, TaskWaiter, ThreadWaiter, Waiter
from agentcharts.runtime._redis_permits import RedisPermit, RedisSlot
from agentcharts.runtime._redis_scripts import GRANTED, LimitScripts, StateLostError
from agentcharts.runtime.concurrency import LimitStats

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType, TracebackType

    from agentcharts.runtime._redis_keeper import Lease

__all__ = ["RedisConcurrencyRegistry", "RedisPermit", "RedisSlot"]

_LOG = logging.getLogger(__name__)
_POLL_S: Final = 1.0
"""The longest a waiter goes without asking Redis about its place, if no grant wakes it."""
_SOCKET_TIMEOUT_S: Final = 5.0
_CONNECT_TIMEOUT_S: Final = 2.0
_MIN_LEASE_S: Final = 0.1


def _import_redis() -> ModuleType:
    """Import redis-py, or explain which extra to install."""
    try:
        import redis  # noqa: PLC0415 - an optional dependency, imported when first needed
    except ImportError as error:
        raise DefinitionError(
            "RedisConcurrencyRegistry needs redis-py: pip install 'agentcharts[redis]'"
        ) from error
    return redis


def _redact(url: str) -> str:
    """Return the URL without its password."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)[-1]
        user = f"{parts.username}:***@" if parts.username else ":***@"
        return urlunsplit(parts._replace(netloc=user + netloc))
    except ValueError:
        return "<unparsable url>"


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidSettingError("name", name, "a non-empty string")
    return name


def _check_timeout(timeout: object) -> None:
    if timeout is None:
        return
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not (math.isfinite(timeout) and timeout >= 0)
    ):
        raise InvalidSettingError("timeout", timeout, "a number of seconds >= 0, or None")


def _seconds(setting: str, value: object, low: float, high: float | None) -> float:
    expected = f"a number of seconds >= {low:g}" + (f" and < {high:g}" if high else "")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidSettingError(setting, value, expected)
    if value < low or (high is not None and value >= high) or value <= 0:
        raise InvalidSettingError(setting, value, expected)
    return float(value)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """Return the loop running in this thread, or ``None`` (without raising)."""
    return asyncio.events._get_running_loop()  # noqa: SLF001 - asyncio's own cheap check


class RedisConcurrencyRegistry:
    """
    Named limits on how many callers, in any process, may hold a slot at once.

    The API is :class:`~agentcharts.runtime.concurrency.ConcurrencyRegistry`'s. Limits are
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
        redis = _import_redis()
        if not isinstance(prefix, str) or not prefix or any(c.isspace() for c in prefix):
            raise InvalidSettingError("prefix", prefix, "a non-empty string without spaces")
        self._lease_s = _seconds("lease_seconds", lease_seconds, _MIN_LEASE_S, None)
        self._renew_every = (
            self._lease_s / 3
            if renew_every is None
            else _seconds("renew_every", renew_every, 0.0, self._lease_s)
        )
        if not isinstance(url, str):
            raise InvalidSettingError("url", url, "a redis:// URL")
        self._url = _redact(url)
        self._id = secrets.token_hex(8)
        try:
            self._client = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=_SOCKET_TIMEOUT_S,
                socket_connect_timeout=_CONNECT_TIMEOUT_S,
                retry=redis.retry.Retry(redis.backoff.ExponentialBackoff(0.5, 0.05), 2),
                client_name=f"agentcharts-limits-{self._id}",
            )
        except (ValueError, TypeError) as error:
            raise InvalidSettingError("url", self._url, f"a redis:// URL ({error})") from None
        self._redis_error: type[Exception] = redis.RedisError
        self._prefix = prefix
        self._lease_ms = round(self._lease_s * 1000)
        self._tokens = itertools.count(1)
        wake_ttl_ms = max(60_000, 4 * self._lease_ms)
        self._scripts = LimitScripts(self._client, prefix, self._id, wake_ttl_ms)
        self._keeper = Keeper(
            self._scripts,
            self._client,
            url=self._url,
            lease_s=self._lease_s,
            renew_every=self._renew_every,
            poll_s=min(_POLL_S, self._renew_every),
            redis_error=self._redis_error,
            release=self._release_quietly,
        )

    # ------------------------------------------------------------------ plumbing

    @property
    def lease_seconds(self) -> float:
        """How long a slot outlives the last renewal of its holder."""
        return self._lease_s

    @property
    def prefix(self) -> str:
        """The prefix of every key this registry uses."""
        return self._prefix

    def __repr__(self) -> str:
        """Show the server, the prefix and the lease."""
        return (
            f"<RedisConcurrencyRegistry {self._url} prefix={self._prefix!r} "
            f"lease={self._lease_s:g}s>"
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
        self._keeper.close()
        self._client.close()

    def _call[T](self, name: str | None, step: Callable[[], T]) -> T:
        """Run one step in Redis; turn every failure into ``LimitBackendError``."""
        self._keeper.check_usable(name)
        try:
            self._scripts.bind(secrets.token_hex(16))
            return step()
        except StateLostError:
            raise self._keeper.break_down() from None
        except self._redis_error as error:
            problem = f"{type(error).__name__}: {error}"
            raise LimitBackendError(self._url, problem, name) from error

    def _token(self) -> str:
        return f"{self._id}:{self._lease_ms}:{next(self._tokens)}"

    def _release_quietly(self, name: str, token: str) -> None:
        """Give a slot back (or withdraw a waiter); on failure its lease returns it later."""
        try:
            self._call(name, lambda: self._scripts.release(name, token))
        except Exception as error:  # noqa: BLE001 - the lease returns the slot anyway
            _LOG.warning("could not give back a slot of %r (its lease will): %s", name, error)

    def _in_background(self, name: str, token: str) -> None:
        """Release from a loop's thread without blocking it: in the loop's executor."""
        loop = _running_loop()
        if loop is not None:
            try:
                loop.run_in_executor(None, self._release_quietly, name, token)
            except RuntimeError:  # the executor is shut down: do it here
                pass
            else:
                return
        self._release_quietly(name, token)

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
        _check_name(name)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidSettingError("limit", limit, "a positive int")
        self._call(name, lambda: self._scripts.configure(name, limit))

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
        _check_name(name)
        self._call(name, lambda: self._scripts.configure(name, None))

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
        _check_name(name)
        limit, held, waiting = self._call(name, lambda: self._scripts.stats(name))
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
        _check_name(name)
        token = self._token()
        sent = time.monotonic()
        state = self._call(name, lambda: self._scripts.acquire(name, token, wait=False))
        if state != GRANTED:
            return None
        return RedisPermit(name, self._keeper.hold(name, token, sent), self)

    def _enqueue(self, waiter: Waiter) -> None:
        """Queue a registered waiter's token; the outcome reaches the waiter, never raises."""
        name, token = waiter.name, waiter.token
        sent = time.monotonic()
        try:
            state = self._call(name, lambda: self._scripts.acquire(name, token, wait=True))
        except LimitBackendError as error:
            self._keeper.fail_waiter(waiter, error)
            return
        if self._keeper.enqueued(waiter, state, sent):
            self._release_quietly(name, token)

    def _abandon(self, waiter: Waiter) -> None:
        if self._keeper.abandon(waiter):
            self._in_background(waiter.name, waiter.token)

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
        _check_name(name)
        _check_timeout(timeout)
        if _running_loop() is not None:
            raise LoopBlockingError(name)
        if timeout == 0:
            permit = self.try_acquire(name)
            if permit is None:
                raise AcquireTimeoutError(name, 0)
            return permit
        deadline = None if timeout is None else time.monotonic() + timeout
        waiter = ThreadWaiter(name, self._token())
        self._keeper.add_waiter(waiter)
        try:
            self._enqueue(waiter)
            waiter.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        except BaseException:  # Ctrl-C while waiting: leave no slot behind
            self._abandon(waiter)
            raise
        return self._outcome(waiter, timeout)

    def _outcome(self, waiter: Waiter, timeout: float | None) -> RedisPermit:
        """After a thread's wait: the permit, the waiter's error, or a timeout."""
        lease, error, withdraw = self._keeper.conclude(waiter)
        if lease is not None:
            return RedisPermit(waiter.name, lease, self)
        if error is not None:
            raise error
        if withdraw:
            self._release_quietly(waiter.name, waiter.token)
        raise AcquireTimeoutError(waiter.name, timeout or 0)

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
        _check_name(name)
        _check_timeout(timeout)
        loop = asyncio.get_running_loop()
        if timeout == 0:
            permit = await loop.run_in_executor(None, self.try_acquire, name)
            if permit is None:
                raise AcquireTimeoutError(name, 0)
            return permit
        waiter = TaskWaiter(name, self._token(), loop)
        self._keeper.add_waiter(waiter)
        loop.run_in_executor(None, self._enqueue, waiter)
        try:
            async with asyncio.timeout(timeout):
                lease: Lease = await waiter.future
        except TimeoutError:
            self._abandon(waiter)  # a slot handed over at this very moment goes on
            raise AcquireTimeoutError(name, timeout or 0) from None
        except BaseException:
            self._abandon(waiter)
            raise
        return RedisPermit(name, lease, self)

    def release(self, name: str) -> None:
        """
        Give back the oldest slot this registry holds under a name (for callers without a permit).

        Args:
            name: The limit's name.

        Raises:
            UnmatchedReleaseError: This registry holds no slot of that name.
            LimitBackendError: The slot's lease was lost before this release.
        """
        with self._keeper.lock:
            lease = next((ls for ls in self._keeper.leases.values() if ls.name == name), None)
        if lease is None:
            raise UnmatchedReleaseError(name)
        self._give_back(lease)

    def _give_back(self, lease: Lease) -> None:
        """Release a lease once; raise when it was released already, or lost first."""
        lost = self._keeper.settle(lease)
        if lost is None:
            raise UnmatchedReleaseError(lease.name)
        if _running_loop() is not None:
            self._in_background(lease.name, lease.token)
        elif not lost:
            try:
                held, _ = self._call(
                    lease.name, lambda: self._scripts.release(lease.name, lease.token)
                )
            except LimitBackendError as error:
                _LOG.warning("could not give back a slot (its lease will): %s", error)
            else:
                lost = not held
        if lost:
            raise LimitBackendError(
                self._url,
                "the slot's lease ran out before its release (Redis was unreachable or "
                f"renewals stopped for {self._lease_s:g}s, or Redis lost its data), so "
                "another caller may have been admitted in its place",
                lease.name,
            )

    def slot(self, name: str, *, timeout: float | None = None) -> RedisSlot:
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
        return RedisSlot(self, name, timeout)

    def throttle(self, name: str, *, timeout: float | None = None) -> RedisSlot:
        """
        Return :meth:`slot` (kept for code written against ``async with registry.throttle``).

        Args:
            name: The limit's name.
            timeout: The most seconds to wait for the slot, or ``None``.

        Returns:
            The context manager.
        """
        return RedisSlot(self, name, timeout)
