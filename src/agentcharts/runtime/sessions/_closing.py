"""The ``with`` support shared by stores that hold connections."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["ClosingStore"]


class ClosingStore(abc.ABC):
    """A store that holds connections: ``with store:`` closes it when the block ends."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close every connection; later calls raise ``StoreUnavailableError``."""

    def __enter__(self) -> Self:
        """Return the store; it is closed when the ``with`` block ends."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the store."""
        self.close()
