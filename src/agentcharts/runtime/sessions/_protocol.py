"""The contract every session store keeps: a snapshot and a journal, versioned and atomic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from agentcharts.runtime.sessions._records import SessionInfo, StoredSession

__all__ = ["SessionStore"]


@runtime_checkable
class SessionStore(Protocol):
    """
    Keeps, per session id, a snapshot, a journal of entries after it, and a version.

    The version counts the session's changes (each ``save`` is one change, each appended
    entry one). The snapshot and the entries are opaque JSON text to the store.

    Every write that changes the version is a compare-and-set on it: a writer says which
    version it read, and the write succeeds only if that is still the stored version. Two
    writers that read the same version cannot both win; the loser gets
    :class:`SessionConflictError` (the plain exception) and nothing of its write is stored.
    A crash never leaves half a write: a reader sees the session before the write or after
    it, never a torn document or a partial batch of entries.

    :meth:`save` writes a whole new snapshot and empties the journal (one change);
    :meth:`append` adds entries to the journal (one change each); :meth:`compact` replaces
    the snapshot by one that includes every entry and empties the journal, without
    changing the version (it is the same state, written shorter).

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
            The snapshot, the entries after it (oldest first), the version and when the
            session was last written.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            SessionNotFoundError: No session has that id.
            CorruptSessionError: What is stored cannot be read back (a torn or garbled
                file, a checksum mismatch, text that is not JSON, a bad row, a gap in the
                entries' versions).
        """
        ...

    def save(self, session_id: str, document: str, *, expected_version: int | None) -> int:
        """
        Write a new snapshot of a session, if the stored version is the expected one.

        The journal is emptied in the same atomic write: the document is the whole state.

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

    def append(self, session_id: str, entries: Sequence[str], *, expected_version: int) -> int:
        """
        Add entries to a session's journal, if the stored version is the expected one.

        The entries are written together, atomically: after a crash either all of them are
        stored or none is. Entry ``i`` gets version ``expected_version + 1 + i``.

        Args:
            session_id: The session to write (it must exist: its first write is a
                :meth:`save`).
            entries: One or more JSON texts.
            expected_version: The version the writer read (or last wrote).

        Returns:
            The new version: ``expected_version + len(entries)``.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: ``entries`` is empty or not a list or tuple of JSON texts,
                or ``expected_version`` is not an int of at least 1.
            SessionConflictError: The stored version is not ``expected_version``; when the
                session is gone, ``actual`` is ``None``.
            CorruptSessionError: The stored version cannot be read.
        """
        ...

    def compact(self, session_id: str, document: str, *, version: int) -> None:
        """
        Replace the snapshot by ``document`` and empty the journal, keeping the version.

        ``document`` is the session's state with every entry applied: the snapshot as of
        ``version``. The write is a compare-and-set on ``version`` like :meth:`append`, and
        atomic: after a crash the session is either the old snapshot with its entries or
        the new snapshot alone, and loads to the same state either way.

        Args:
            session_id: The session to compact.
            document: JSON text: the snapshot with every entry up to ``version`` applied.
            version: The stored version, which the document stands for.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: The document is not JSON text, or ``version`` is not an int
                of at least 1.
            SessionConflictError: The stored version is not ``version``.
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
