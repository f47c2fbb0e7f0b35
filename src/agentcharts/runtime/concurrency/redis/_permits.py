"""What the Redis-backed registry hands out: permits (leased slots) and slot context managers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from agentcharts.runtime.concurrency.redis._backend import Backend
    from agentcharts.runtime.concurrency.redis._waiters import Lease

__all__ = ["RedisPermit"]


class RedisPermit:
    """
    One held slot of a limit shared through Redis: a lease, renewed until released.

    Release it exactly once, or use it as a context manager. If the lease could not be
    renewed for a whole lease period (Redis unreachable) or Redis lost its data, the permit
    is :attr:`lost`, and :meth:`release` raises ``LimitBackendError``: another caller may
    have been admitted in its place meanwhile.

    .. versionadded:: 0.1
    """

    __slots__ = ("_backend", "_lease", "name")

    def __init__(self, name: str, lease: Lease, backend: Backend) -> None:
        """Build a permit for a lease; only the registry does this."""
        self.name = name
        """The name of the limit this permit holds a slot of."""
        self._lease = lease
        self._backend = backend

    @property
    def released(self) -> bool:
        """Whether the slot was given back (by this permit or by ``registry.release``)."""
        return self._lease.released

    @property
    def lost(self) -> bool:
        """Whether the slot's lease ran out, or Redis lost it, while it was held."""
        return self._lease.lost

    def release(self) -> None:
        """
        Give the slot back; the oldest waiter, in any process, gets it at once.

        From a thread whose event loop is running, the round trip to Redis runs in the
        loop's default executor, so the loop never blocks.

        Raises:
            UnmatchedReleaseError: The permit was already released.
            LimitBackendError: The lease was lost before this release.
        """
        self._backend.give_back(self._lease, self.name)

    def __enter__(self) -> Self:
        """Return the permit itself."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Release the slot unless it was released inside the block."""
        if not self.released:
            self.release()

    def __repr__(self) -> str:
        """Return ``<RedisPermit 'name' held>``, ``... released>`` or ``... lost>``."""
        state = "released" if self.released else "lost" if self.lost else "held"
        return f"<RedisPermit {self.name!r} {state}>"
