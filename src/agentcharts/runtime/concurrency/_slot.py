"""A context manager for one slot of a named limit, for any registry (in-process or Redis)."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from agentcharts.exceptions import ConcurrencyError

__all__ = ["Slot"]


class _Releasable(Protocol):
    """A held slot: it can be given back once."""

    @property
    def released(self) -> bool:
        """Whether it was given back."""
        ...  # pragma: no cover - a protocol

    def release(self) -> None:
        """Give the slot back."""
        ...  # pragma: no cover - a protocol


PermitT = TypeVar("PermitT", bound=_Releasable)
PermitT_co = TypeVar("PermitT_co", bound=_Releasable, covariant=True)


class _Registry(Protocol[PermitT_co]):
    """A registry of named limits, sync and async."""

    def acquire_sync(self, name: str, *, timeout: float | None = None) -> PermitT_co:
        """Block until a slot is free."""
        ...  # pragma: no cover - a protocol

    async def acquire(
        self,
        name: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the registries' documented API
    ) -> PermitT_co:
        """Wait until a slot is free."""
        ...  # pragma: no cover - a protocol


class Slot(Generic[PermitT]):
    """
    A context manager for one slot: ``with`` acquires it in sync code, ``async with`` in async.

    Returned by a registry's ``slot()``; the block receives the permit.

    .. versionadded:: 0.1
    """

    __slots__ = ("_name", "_permit", "_registry", "_timeout")

    def __init__(self, registry: _Registry[PermitT], name: str, timeout: float | None) -> None:
        """
        Build the context manager; nothing is acquired until the block is entered.

        Args:
            registry: The registry to acquire from.
            name: The limit's name.
            timeout: The most seconds to wait for the slot, or ``None``.
        """
        self._registry = registry
        self._name = name
        self._timeout = timeout
        self._permit: PermitT | None = None

    def _check_unused(self) -> None:
        if self._permit is not None:
            raise ConcurrencyError(f"slot({self._name!r}) is already entered; make one per block")

    def _exit(self) -> None:
        permit, self._permit = self._permit, None
        if permit is not None and not permit.released:
            permit.release()

    def __enter__(self) -> PermitT:
        """Acquire with ``acquire_sync`` and return the permit."""
        self._check_unused()
        self._permit = self._registry.acquire_sync(self._name, timeout=self._timeout)
        return self._permit

    def __exit__(self, *exc_info: object) -> None:
        """Release the slot, unless the block released the permit itself."""
        self._exit()

    async def __aenter__(self) -> PermitT:
        """Acquire with ``await acquire()`` and return the permit."""
        self._check_unused()
        self._permit = await self._registry.acquire(self._name, timeout=self._timeout)
        return self._permit

    async def __aexit__(self, *exc_info: object) -> None:
        """Release the slot, unless the block released the permit itself."""
        self._exit()
