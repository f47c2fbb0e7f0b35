"""The contract every session store keeps: versioned, atomic, JSON-only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from agentcharts.runtime.sessions._records import SessionInfo, StoredSession

__all__ = ["SessionStore"]


@runtime_checkable
class SessionStore(Protocol):
    """
    Keeps, per session id, one opaque JSON document and a version number.

    Every write is a compare-and-set on the version: a writer says which version it read,
    and the write succeeds only if that is still the stored version. Two writers that read
    the same version cannot both win; the loser gets :class:`SessionConflictError` and
    nothing of its write is stored. A crash never leaves a half-written document: a reader
    sees the old version or the new one.

    The methods are synchronous and safe to call from several threads, and (for stores
    with shared storage) from several processes at once. Session ids are checked with
    :func:`validate_session_id` before anything is touched.

    .. versionadded:: 0.1
    """

    def load(self, session_id: str) -> StoredSession:
        """
        Read a session's current version.

        Args:
            session_id: The session to read.

        Returns:
            The document, its version and when it was saved.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            SessionNotFoundError: No session has that id.
            CorruptSessionError: What is stored cannot be read back (a torn or garbled
                file, a checksum mismatch, text that is not JSON, a bad row).
        """
        ...

    def save(self, session_id: str, document: str, *, expected_version: int | None) -> int:
        """
        Write a new version of a session, if the stored version is the expected one.

        Args:
            session_id: The session to write.
            document: JSON text (checked with ``json.loads``; ``NaN`` and ``Infinity`` are
                refused, since they are not JSON).
            expected_version: The version the writer read, or ``None`` (or ``0``) to
                create a session that must not exist yet.

        Returns:
            The new version: ``expected_version + 1`` (1 for a created session).

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: The document is not JSON text, or ``expected_version`` is
                not ``None`` or an int of at least 0.
            SessionConflictError: The stored version is not ``expected_version``; for a
                create, ``expected`` is 0 and ``actual`` the stored version; when the
                session is gone, ``actual`` is ``None``.
            CorruptSessionError: The stored version cannot be read.
        """
        ...

    def delete(self, session_id: str, *, expected_version: int | None = None) -> None:
        """
        Remove a session.

        Args:
            session_id: The session to remove.
            expected_version: When given, remove it only if this is its stored version.
                Without it a corrupt session can still be removed.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: ``expected_version`` is not ``None`` or an int of at least 0.
            SessionNotFoundError: No session has that id.
            SessionConflictError: ``expected_version`` is given and is not the stored one.
            CorruptSessionError: ``expected_version`` is given and the stored version
                cannot be read.
        """
        ...

    def list_sessions(self) -> list[SessionInfo]:
        """
        List every stored session, sorted by id.

        Only the metadata is read; documents are checked when they are loaded.

        Returns:
            One :class:`SessionInfo` per session, sorted by ``session_id``.

        Raises:
            CorruptSessionError: A session's version or timestamp cannot be read.
        """
        ...

    def exists(self, session_id: str) -> bool:
        """
        Tell whether a session is stored (even a corrupt one).

        Args:
            session_id: The session to look for.

        Returns:
            ``True`` when a session with that id is stored.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
        """
        ...
