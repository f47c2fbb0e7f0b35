"""A Redis-backed registry's link to Redis: its client, scripts, keeper and basic steps.

The public API (``redis_concurrency``) is built from these steps: take a free slot, queue a
waiter, give up a wait, give a slot back. Every Redis failure becomes a typed error here.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import time
from typing import TYPE_CHECKING, Final, TypeVar

from agentcharts.exceptions import (
    AcquireTimeoutError,
    ConcurrencyError,
    InvalidSettingError,
    LimitBackendError,
    UnmatchedReleaseError,
)
from agentcharts.runtime.concurrency.redis._keeper import Keeper
from agentcharts.runtime.concurrency.redis._scripts import GRANTED, LimitScripts, StateLostError
from agentcharts.runtime.concurrency.redis._settings import redact, running_loop

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from agentcharts.runtime.concurrency.redis._waiters import Lease, Waiter

__all__ = ["Backend"]

_LOG = logging.getLogger("agentcharts.runtime.concurrency.redis._registry")
_T = TypeVar("_T")
_POLL_S: Final = 1.0
"""The longest a waiter goes without asking Redis about its place, if no grant wakes it."""
_SOCKET_TIMEOUT_S: Final = 5.0
_CONNECT_TIMEOUT_S: Final = 2.0
_MIN_WAKE_TTL_MS: Final = 60_000


class Backend:
    """A registry's client, scripts and keeper; every Redis failure becomes a typed error."""

    def __init__(
        self, redis: ModuleType, url: str, *, prefix: str, lease_s: float, renew_every: float
    ) -> None:
        """
        Build the client (nothing is sent yet).

        Args:
            redis: The ``redis`` module.
            url: The server's URL.
            prefix: The key prefix.
            lease_s: The lease length, in seconds.
            renew_every: How often held leases are renewed, in seconds.

        Raises:
            InvalidSettingError: redis-py cannot use the URL.
        """
        self.url = redact(url)
        """The server's URL, without its password."""
        self.lease_s = lease_s
        self.id = secrets.token_hex(8)
        """The registry's id: its tokens and its Redis connections' name carry it."""
        try:
            self._client = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=_SOCKET_TIMEOUT_S,
                socket_connect_timeout=_CONNECT_TIMEOUT_S,
                retry=redis.retry.Retry(redis.backoff.ExponentialBackoff(0.25, 0.02), 2),
                client_name=f"agentcharts-limits-{self.id}",
            )
        except (ValueError, TypeError) as error:
            raise InvalidSettingError("url", self.url, f"a redis:// URL ({error})") from None
        self._redis_error: type[Exception] = redis.RedisError
        self._lease_ms = round(lease_s * 1000)
        self._tokens = itertools.count(1)
        wake_ttl_ms = max(_MIN_WAKE_TTL_MS, 4 * self._lease_ms)
        self.scripts = LimitScripts(self._client, prefix, self.id, wake_ttl_ms)
        self.keeper = Keeper(
            self.scripts,
            self._client,
            url=self.url,
            lease_s=lease_s,
            renew_every=renew_every,
            poll_s=min(_POLL_S, renew_every),
            release=self.release_quietly,
        )

    def close(self) -> None:
        """Stop the keeper and disconnect."""
        self.keeper.close()

    def call(self, name: str | None, step: Callable[[], _T]) -> _T:
        """
        Run one step in Redis.

        Raises:
            ConcurrencyError: The registry is closed.
            LimitBackendError: Redis cannot be reached, failed, or lost its state.
        """
        self.keeper.check_usable(name)
        try:
            self.scripts.bind(secrets.token_hex(16))
            return step()
        except StateLostError:
            raise self.keeper.break_down() from None
        except self._redis_error as error:
            problem = f"{type(error).__name__}: {error}"
            raise LimitBackendError(self.url, problem, name) from error

    def token(self) -> str:
        """Return a fresh token: ``"registry id:lease ms:counter"``."""
        return f"{self.id}:{self._lease_ms}:{next(self._tokens)}"

    def release_quietly(self, name: str, token: str) -> None:
        """Give a slot back (or withdraw a waiter); if Redis fails, the lease returns it later."""
        try:
            self.call(name, lambda: self.scripts.release(name, token))
        except ConcurrencyError as error:
            _LOG.warning("could not give back a slot of %r (its lease will): %s", name, error)

    def release_soon(self, name: str, token: str) -> None:
        """Release without blocking a running loop: in its default executor if there is one."""
        loop = running_loop()
        if loop is not None:
            try:
                loop.run_in_executor(None, self.release_quietly, name, token)
            except RuntimeError:  # the executor is shut down: do it here
                pass
            else:
                return
        self.release_quietly(name, token)

    def try_acquire(self, name: str) -> Lease | None:
        """Take a free slot without waiting; ``None`` when there is none."""
        token = self.token()
        sent = time.monotonic()
        state = self.call(name, lambda: self.scripts.acquire(name, token, wait=False))
        if state != GRANTED:
            return None
        return self.keeper.hold(name, token, sent)

    def enqueue(self, waiter: Waiter) -> None:
        """Queue a registered waiter's token; the outcome reaches the waiter, never raises."""
        name, token = waiter.name, waiter.token
        sent = time.monotonic()
        try:
            state = self.call(name, lambda: self.scripts.acquire(name, token, wait=True))
        except ConcurrencyError as error:  # unreachable, state lost, or closed meanwhile
            self.keeper.fail_waiter(waiter, error)
            return
        if self.keeper.enqueued(waiter, state, sent):
            self.release_quietly(name, token)

    def abandon(self, waiter: Waiter) -> None:
        """Stop waiting; a slot handed over at this very moment goes on to the next waiter."""
        if self.keeper.abandon(waiter):
            self.release_soon(waiter.name, waiter.token)

    def conclude(self, waiter: Waiter, timeout: float | None) -> Lease:
        """
        Return the lease a thread waited for, or give up.

        Raises:
            AcquireTimeoutError: No slot came within the timeout.
            ConcurrencyError: The wait failed (Redis unreachable or lost its state, closed).
        """
        lease, error, withdraw = self.keeper.conclude(waiter)
        if lease is not None:
            return lease
        if error is not None:
            raise error
        if withdraw:
            self.release_quietly(waiter.name, waiter.token)
        raise AcquireTimeoutError(waiter.name, timeout or 0)

    def give_back(self, lease: Lease | None, name: str) -> None:
        """
        Release a lease once (or, with ``lease=None``, this registry's oldest of ``name``).

        Raises:
            UnmatchedReleaseError: It was released already, or no slot of ``name`` is held.
            LimitBackendError: It was lost before this release.
        """
        settled = self.keeper.settle(lease, name=name)
        if settled is None:
            raise UnmatchedReleaseError(name)
        lost = settled.lost
        if running_loop() is not None:
            self.release_soon(name, settled.token)
        elif not lost:
            try:
                held, _ = self.call(name, lambda: self.scripts.release(name, settled.token))
            except LimitBackendError as error:
                _LOG.warning("could not give back a slot (its lease will): %s", error)
            else:
                lost = not held
        if lost:
            raise LimitBackendError(
                self.url,
                "the slot's lease ran out before its release (Redis was unreachable or "
                f"renewals stopped for {self.lease_s:g}s, or Redis lost its data), so "
                "another caller may have been admitted in its place",
                name,
            )
