"""The local side of a Redis-backed registry's slots: leases held, and callers waiting.

Every field of these objects is read and written under the keeper's lock.
"""

from __future__ import annotations

import abc
import contextlib
import enum
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

__all__ = ["Lease", "TaskWaiter", "ThreadWaiter", "Wait", "Waiter"]


class Wait(enum.Enum):
    """Where a waiter's wait stands."""

    WAITING = "waiting"
    """Queued (or being queued), with no answer yet."""
    GRANTED = "granted"
    """A slot was handed over."""
    FAILED = "failed"
    """The wait ended with an error."""
    GONE = "gone"
    """The caller gave up (a timeout, a cancellation)."""


class Lease:
    """One slot held by this registry; every field is read and written under the keeper lock."""

    __slots__ = ("confirmed_at", "lost", "name", "released", "token")

    def __init__(self, name: str, token: str, confirmed_at: float) -> None:
        self.name = name
        self.token = token
        self.confirmed_at = confirmed_at
        """``time.monotonic()`` when a call that (re)started the lease in Redis was sent."""
        self.lost = False
        """Whether the lease ran out (or Redis lost it) before it was released."""
        self.released = False

    @property
    def held(self) -> bool:
        """Whether the lease is still held and renewed: neither lost nor released."""
        return not (self.lost or self.released)


class Waiter(abc.ABC):
    """A caller waiting for a slot; every field is read and written under the keeper lock."""

    __slots__ = ("confirmed_at", "enqueued", "error", "lease", "name", "state", "token")

    def __init__(self, name: str, token: str) -> None:
        self.name = name
        self.token = token
        self.state = Wait.WAITING
        self.enqueued = False
        """Whether the script that queued the token has returned."""
        self.confirmed_at = time.monotonic()
        self.lease: Lease | None = None
        self.error: BaseException | None = None

    @abc.abstractmethod
    def deliver(self, lease: Lease) -> bool:
        """Hand the slot over; ``False`` when nobody can take it any more."""

    @abc.abstractmethod
    def fail(self, error: BaseException) -> None:
        """End the wait with an error."""


class ThreadWaiter(Waiter):
    """A thread blocked in ``acquire_sync``: it sleeps on a lock that delivery releases."""

    __slots__ = ("_wakeup",)

    def __init__(self, name: str, token: str) -> None:
        super().__init__(name, token)
        self._wakeup = threading.Lock()
        self._wakeup.acquire()

    def deliver(self, lease: Lease) -> bool:
        self.lease, self.state = lease, Wait.GRANTED
        self._wakeup.release()
        return True

    def fail(self, error: BaseException) -> None:
        self.error, self.state = error, Wait.FAILED
        self._wakeup.release()

    def wait(self, timeout: float | None) -> None:
        """Sleep until delivery or failure, or for ``timeout`` seconds."""
        if self._wakeup.acquire(timeout=-1 if timeout is None else timeout):
            self._wakeup.release()


class TaskWaiter(Waiter):
    """A task blocked in ``acquire``: it awaits a future of its own loop."""

    __slots__ = ("future", "loop")

    def __init__(self, name: str, token: str, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(name, token)
        self.loop = loop
        self.future: asyncio.Future[Lease] = loop.create_future()

    def _settle(self, lease: Lease | None, error: BaseException | None) -> None:
        if self.future.done():
            return
        if lease is not None:
            self.future.set_result(lease)
        elif error is not None:
            self.future.set_exception(error)

    def deliver(self, lease: Lease) -> bool:
        try:
            self.loop.call_soon_threadsafe(self._settle, lease, None)
        except RuntimeError:  # the waiter's loop is closed: nobody will take the slot
            self.state = Wait.GONE
            return False
        self.lease, self.state = lease, Wait.GRANTED
        return True

    def fail(self, error: BaseException) -> None:
        self.error, self.state = error, Wait.FAILED
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._settle, None, error)
