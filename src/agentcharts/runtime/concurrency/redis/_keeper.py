"""
The keeper: the daemon thread that keeps a Redis-backed registry's leases alive.

Every slot a registry holds, and every place it has in a queue, is a lease in Redis that
runs out unless renewed. One daemon thread per registry, the *keeper*, runs while the
registry holds or waits for anything: it renews every lease, pops grants from the
registry's wake list with ``BLPOP`` (so a release in any process wakes the waiter at once)
and, as a bounded fallback, asks Redis for the state of every waiting token about once a
second. A lease that the keeper could not renew for a whole lease period is *lost*: another
process may have been admitted in its place, so its permit reports it instead of
pretending to hold a slot.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Final

from agentcharts.exceptions import ConcurrencyError, LimitBackendError
from agentcharts.runtime.concurrency.redis._scripts import GRANTED, WAITING, StateLostError
from agentcharts.runtime.concurrency.redis._waiters import Lease, TaskWaiter, Wait

if TYPE_CHECKING:
    from collections.abc import Callable

    from redis import Redis

    from agentcharts.runtime.concurrency.redis._scripts import LimitScripts
    from agentcharts.runtime.concurrency.redis._waiters import Waiter

__all__ = ["Keeper"]

_RETRY_S: Final = 0.2
"""How long the keeper pauses after Redis failed it, before it tries again."""


class Keeper:
    """A registry's leases and waiters, and the daemon thread that keeps them alive."""

    def __init__(
        self,
        scripts: LimitScripts,
        client: Redis,
        *,
        url: str,
        lease_s: float,
        renew_every: float,
        poll_s: float,
        release: Callable[[str, str], None],
    ) -> None:
        """
        Build the keeper; its thread starts when something is held or awaited.

        Args:
            scripts: The registry's scripts.
            client: The Redis client (its pool lends the ``BLPOP`` connection).
            url: The server, without password, for error messages.
            lease_s: The lease length.
            renew_every: How often held leases are renewed.
            poll_s: How often waiting tokens are checked when no grant arrives.
            release: Give a token's slot back (or withdraw it) in Redis, quietly.
        """
        self._scripts = scripts
        self._client = client
        self._url = url
        self._lease_s = lease_s
        self._renew_every = renew_every
        self._poll_s = poll_s
        self._release = release
        self.lock = threading.Lock()
        self.leases: dict[str, Lease] = {}
        """Unreleased leases by token, oldest first (held ones, and lost ones)."""
        self._waiters: dict[str, Waiter] = {}
        """Waiting callers by token; only waiters in the waiting state are here."""
        self._thread: threading.Thread | None = None
        self._wakeup = threading.Event()
        self._next_check = 0.0
        self._last_error = "no answer yet"
        self.broken: str | None = None
        """Why the registry stopped working (Redis lost its data), once it did."""
        self.closed = False

    # ------------------------------------------------------------------ registry side

    def check_usable(self, name: str | None) -> None:
        """Raise when the registry is closed or Redis lost its state."""
        if self.closed:
            raise ConcurrencyError("the RedisConcurrencyRegistry is closed")
        if self.broken is not None:
            raise LimitBackendError(self._url, self.broken, name)

    def add_waiter(self, waiter: Waiter) -> None:
        """Register a waiter before its token is queued, so no grant can be missed."""
        with self.lock:
            self.check_usable(waiter.name)
            self._waiters[waiter.token] = waiter
            self._next_check = min(self._next_check, time.monotonic() + self._poll_s)
        self._wakeup.set()  # a sleeping keeper switches to waiting for grants

    def enqueued(self, waiter: Waiter, state: int, sent: float) -> bool:
        """
        Record what the script that queued a waiter's token answered.

        Returns:
            ``True`` when the waiter was abandoned meanwhile, so the token must be withdrawn.
        """
        orphan = False
        with self.lock:
            if waiter.state == Wait.GONE:
                return True
            if waiter.state != Wait.WAITING:
                return False
            waiter.enqueued, waiter.confirmed_at = True, sent
            if state == GRANTED:
                orphan = not self._grant(waiter)
            elif state != WAITING:
                waiter.fail(LimitBackendError(self._url, "the queue refused a waiter", waiter.name))
                del self._waiters[waiter.token]
        self.ensure_running()
        return orphan

    def fail_waiter(self, waiter: Waiter, error: BaseException) -> None:
        """End a waiter's wait with an error, unless it ended already."""
        with self.lock:
            if waiter.state == Wait.WAITING:
                del self._waiters[waiter.token]
                waiter.fail(error)

    def hold(self, name: str, token: str, sent: float) -> Lease:
        """Record a slot taken at once (no wait)."""
        lease = Lease(name, token, sent)
        with self.lock:
            self.leases[token] = lease
        self.ensure_running()
        return lease

    def abandon(self, waiter: Waiter) -> bool:
        """
        Stop a wait (a timeout, a cancellation, Ctrl-C).

        Returns:
            ``True`` when the caller must withdraw the token (or give back its slot) in
            Redis; ``False`` when nothing is left to do there, or the script still in flight
            will do it.
        """
        with self.lock:
            if waiter.state == Wait.WAITING:
                waiter.state = Wait.GONE
                del self._waiters[waiter.token]
                # a task's queueing runs in an executor and withdraws by itself if it is late;
                # a thread's ran (or was interrupted) in the thread that gives up now
                return waiter.enqueued or not isinstance(waiter, TaskWaiter)
            if waiter.state == Wait.GRANTED and waiter.lease is not None:
                waiter.state = Wait.GONE
                waiter.lease.released = True
                self.leases.pop(waiter.token, None)
                return True
            return False

    def conclude(self, waiter: Waiter) -> tuple[Lease | None, BaseException | None, bool]:
        """
        End a thread's wait: granted, failed, or still waiting (then it gives up).

        Returns:
            ``(lease, error, withdraw)``: the lease when granted; the error when failed;
            otherwise whether the token must be withdrawn from the queue in Redis.
        """
        with self.lock:
            if waiter.state == Wait.GRANTED:
                return waiter.lease, None, False
            if waiter.state == Wait.FAILED:
                return None, waiter.error, False
        return None, None, self.abandon(waiter)

    def settle(self, lease: Lease | None = None, *, name: str = "") -> Lease | None:
        """
        Mark a lease released: the one given, or this registry's oldest of ``name``.

        Returns:
            The lease, or ``None`` when it was released already (or none is held).
        """
        with self.lock:
            if lease is None:
                lease = next((held for held in self.leases.values() if held.name == name), None)
            if lease is None or lease.released:
                return None
            lease.released = True
            self.leases.pop(lease.token, None)
            return lease

    def ensure_running(self) -> None:
        """Start the keeper thread if it is not running."""
        with self.lock:
            if self.closed or self._thread is not None or not self._busy():
                return
            self._next_check = time.monotonic() + (
                self._poll_s if self._waiters else self._renew_every
            )
            self._thread = threading.Thread(
                target=self._run, name="agentcharts-redis-limits", daemon=True
            )
            self._thread.start()
        self._wakeup.set()

    def close(self) -> None:
        """Fail every waiter, stop the thread and close the client (once the thread is out)."""
        with self.lock:
            self.closed = True
            waiters, self._waiters = list(self._waiters.values()), {}
            for waiter in waiters:
                waiter.fail(ConcurrencyError("the RedisConcurrencyRegistry was closed"))
            running = self._thread is not None
        self._wakeup.set()
        if not running:  # otherwise the thread closes it on its way out, not under its feet
            self._client.close()

    def break_down(self) -> LimitBackendError:
        """Redis lost its data: every lease is lost and every waiter fails; return the error."""
        reason = (
            "Redis lost the limits' state (it restarted without persistence, or its data was "
            "flushed), so the slots it counted are gone; build a new registry"
        )
        with self.lock:
            self.broken = reason
            for lease in self.leases.values():
                lease.lost = True
            waiters, self._waiters = list(self._waiters.values()), {}
            for waiter in waiters:
                waiter.fail(LimitBackendError(self._url, reason, waiter.name))
        return LimitBackendError(self._url, reason)

    # ------------------------------------------------------------------ keeper thread

    def _busy(self) -> bool:
        return bool(self._waiters) or any(lease.held for lease in self.leases.values())

    def _grant(self, waiter: Waiter) -> bool:
        """Turn a waiting token into a held lease (keeper lock held); ``False`` if orphaned."""
        del self._waiters[waiter.token]
        lease = Lease(waiter.name, waiter.token, waiter.confirmed_at)
        self.leases[waiter.token] = lease
        if waiter.deliver(lease):
            return True
        del self.leases[waiter.token]
        return False

    def _run(self) -> None:
        while True:
            with self.lock:
                if self.closed or not self._busy():
                    self._thread = None
                    if self.closed:
                        self._client.close()
                    return
                waiting = bool(self._waiters)
            pause = self._next_check - time.monotonic()
            if pause <= 0:
                self._check(waiting=waiting)
            elif not waiting:
                self._wakeup.wait(pause)
                self._wakeup.clear()
            else:
                self._pop_grant(pause)

    def _pop_grant(self, pause: float) -> None:
        try:
            item = self._client.blpop([self._scripts.wake_key], timeout=max(pause, 0.01))
        except Exception as error:  # noqa: BLE001 - any failure of the client is trouble
            self._trouble(error)
            return
        if item is None:
            return
        token, _, name = str(item[1]).partition("|")
        with self.lock:
            waiter = self._waiters.get(token)
            orphan = not self._grant(waiter) if waiter is not None else token not in self.leases
        if orphan:  # a grant for a caller that gave up: pass the slot on
            self._release(name, token)

    def _check(self, *, waiting: bool) -> None:
        """Renew every lease and ask for the state of every waiting token."""
        started = time.monotonic()
        with self.lock:
            groups: dict[str, list[str]] = {}
            for token, lease in self.leases.items():
                if lease.held:
                    groups.setdefault(lease.name, []).append(token)
            for token, waiter in self._waiters.items():
                groups.setdefault(waiter.name, []).append(token)
        for name, tokens in groups.items():
            sent = time.monotonic()
            try:
                states = self._scripts.renew(name, tokens)
            except StateLostError:
                self.break_down()
                return
            except Exception as error:  # noqa: BLE001 - any failure of the client is trouble
                self._trouble(error)
                return
            self._record(name, tokens, states, sent)
        interval = min(self._renew_every, self._poll_s) if waiting else self._renew_every
        self._next_check = started + interval

    def _record(self, name: str, tokens: list[str], states: list[int], sent: float) -> None:
        orphans: list[str] = []
        with self.lock:
            for token, state in zip(tokens, states, strict=True):
                lease = self.leases.get(token)
                if lease is not None:
                    if state == GRANTED:
                        lease.confirmed_at = sent
                    else:
                        lease.lost = True
                    continue
                waiter = self._waiters.get(token)
                if waiter is None:
                    continue  # given up meanwhile: its withdrawal settles it in Redis
                if state == WAITING:
                    waiter.confirmed_at = sent
                elif state == GRANTED:
                    waiter.confirmed_at = sent
                    if not self._grant(waiter):
                        orphans.append(token)
                else:
                    del self._waiters[token]
                    waiter.fail(
                        LimitBackendError(
                            self._url, "the waiter's place in the queue ran out of lease", name
                        )
                    )
        for token in orphans:
            self._release(name, token)

    def _trouble(self, error: BaseException) -> None:
        """Redis failed the keeper: retry soon, and give up on leases that ran out."""
        self._last_error = f"{type(error).__name__}: {error}"
        now = time.monotonic()
        self._next_check = now + _RETRY_S
        overdue = now - self._lease_s
        with self.lock:
            for lease in self.leases.values():
                if lease.held and lease.confirmed_at <= overdue:
                    lease.lost = True
            for token, waiter in list(self._waiters.items()):
                if waiter.confirmed_at <= overdue:
                    del self._waiters[token]
                    waiter.fail(
                        LimitBackendError(
                            self._url,
                            f"Redis could not be reached for {self._lease_s:g}s, so this "
                            f"waiter lost its place in the queue ({self._last_error})",
                            waiter.name,
                        )
                    )
        time.sleep(_RETRY_S / 2)
