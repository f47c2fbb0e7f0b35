"""The waiters of a concurrency limit: a blocked thread, or a blocked task of some loop."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final, Generic, TypeVar

if TYPE_CHECKING:
    import asyncio

__all__ = ["GONE", "GRANTED", "WAITING", "TaskWaiter", "ThreadWaiter"]

WAITING: Final = 0
"""Queued for a slot."""
GRANTED: Final = 1
"""A slot was handed over."""
GONE: Final = 2
"""Left the queue (timed out or cancelled) without a slot."""

PermitT = TypeVar("PermitT")
"""What a registry hands a waiter when its turn comes (the registry's permit type)."""


class _Waiter(Generic[PermitT]):
    """A caller queued for a slot; every field is read and written under the registry lock."""

    __slots__ = ("permit", "state")

    def __init__(self) -> None:
        self.permit: PermitT | None = None
        self.state = WAITING


class ThreadWaiter(_Waiter[PermitT]):
    """A thread blocked in ``acquire_sync``: it sleeps on a lock that delivery releases."""

    __slots__ = ("_wakeup",)

    def __init__(self) -> None:
        super().__init__()
        self._wakeup = threading.Lock()
        self._wakeup.acquire()

    def deliver(self, permit: PermitT) -> bool:
        self.permit = permit
        self.state = GRANTED
        self._wakeup.release()
        return True

    def wait(self, timeout: float | None) -> bool:
        return self._wakeup.acquire(timeout=-1 if timeout is None else timeout)


class TaskWaiter(_Waiter[PermitT]):
    """A task blocked in ``acquire``: it awaits a future of its own loop."""

    __slots__ = ("future", "loop", "thread_id")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.future: asyncio.Future[PermitT] = loop.create_future()
        self.thread_id = threading.get_ident()

    def deliver(self, permit: PermitT) -> bool:
        try:
            if threading.get_ident() == self.thread_id:
                _settle(self.future, permit)
            else:
                self.loop.call_soon_threadsafe(_settle, self.future, permit)
        except RuntimeError:  # the waiter's loop is closed: nobody will take the slot
            return False
        self.permit = permit
        self.state = GRANTED
        return True


def _settle(future: asyncio.Future[PermitT], permit: PermitT) -> None:
    if not future.done():
        future.set_result(permit)
