"""A session store in the process's memory: same contract, for tests and examples."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING

from attrs import evolve, field, frozen

from agentcharts.exceptions import SessionConflictError, SessionNotFoundError
from agentcharts.runtime.sessions._documents import (
    check_append_version,
    check_expected_version,
    check_stored_version,
    decode_document,
    encode_document,
    encode_entries,
    utc_now,
)
from agentcharts.runtime.sessions._ids import validate_session_id
from agentcharts.runtime.sessions._records import SessionInfo, StoredSession

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["MemorySessionStore"]


@frozen
class _Entry:
    """One stored session: its snapshot and journal, each with its checksum."""

    version: int
    """The session's version."""
    data: bytes
    """The snapshot's UTF-8 bytes."""
    sha256: str
    """Their SHA-256."""
    updated_at: datetime
    """When the session was last written (UTC)."""
    entries: tuple[tuple[bytes, str], ...] = field(default=())
    """The journal after the snapshot: each entry's bytes and SHA-256, oldest first."""

    @property
    def size(self) -> int:
        """The bytes of the snapshot and the entries."""
        return len(self.data) + sum(len(data) for data, _ in self.entries)


class MemorySessionStore:
    """
    Keeps sessions in a dict guarded by a lock: thread-safe, gone with the process.

    It keeps the whole :class:`SessionStore` contract (versions, conflicts, checksums), so
    code tested against it behaves the same with a file or SQLite store; it cannot be
    shared between processes.

    .. versionadded:: 0.1
    """

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def __repr__(self) -> str:
        """Show how many sessions the store holds."""
        return f"MemorySessionStore(<{len(self._entries)} session(s)>)"

    def load(self, session_id: str) -> StoredSession:
        """
        Read a session's current version (see :meth:`SessionStore.load`).

        Args:
            session_id: The session to read.

        Returns:
            The document, its version and when it was saved.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            SessionNotFoundError: No session has that id.
            CorruptSessionError: The entry fails its checksum or does not hold JSON.
        """
        sid = validate_session_id(session_id)
        with self._lock:
            entry = self._entries.get(sid)
        if entry is None:
            raise SessionNotFoundError(sid)
        version = check_stored_version(sid, entry.version)
        document = decode_document(sid, entry.data, entry.sha256)
        entries = tuple(decode_document(sid, data, digest) for data, digest in entry.entries)
        return StoredSession(
            sid,
            version,
            document,
            entry.updated_at,
            entries=entries,
            snapshot_version=version - len(entries),
        )

    def save(self, session_id: str, document: str, *, expected_version: int | None) -> int:
        """
        Write a new version, if the stored one is ``expected_version`` (see the protocol).

        Args:
            session_id: The session to write.
            document: JSON text.
            expected_version: The version the writer read; ``None`` (or 0) to create.

        Returns:
            The new version, ``expected_version + 1``.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: The document is not JSON text, or the version is bad.
            SessionConflictError: The stored version is another one.
        """
        sid = validate_session_id(session_id)
        expected = check_expected_version(sid, expected_version)
        data, digest = encode_document(sid, document)
        with self._lock:
            entry = self._entries.get(sid)
            current = 0 if entry is None else entry.version
            if current != expected:
                raise SessionConflictError(sid, expected, current or None)
            self._entries[sid] = _Entry(expected + 1, data, digest, utc_now())
        return expected + 1

    def append(self, session_id: str, entries: Sequence[str], *, expected_version: int) -> int:
        """
        Add entries to the journal, if the stored version is ``expected_version``.

        Args:
            session_id: The session to write.
            entries: One or more JSON texts.
            expected_version: The version the writer read.

        Returns:
            The new version, ``expected_version + len(entries)``.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: The entries are not JSON texts, or the version is bad.
            SessionConflictError: The stored version is another one.
        """
        sid = validate_session_id(session_id)
        expected = check_append_version(sid, expected_version)
        encoded = encode_entries(sid, entries)
        with self._lock:
            entry = self._entries.get(sid)
            current = None if entry is None else entry.version
            if current != expected or entry is None:
                raise SessionConflictError(sid, expected, current)
            version = expected + len(encoded)
            self._entries[sid] = evolve(
                entry, version=version, entries=(*entry.entries, *encoded), updated_at=utc_now()
            )
        return version

    def compact(self, session_id: str, document: str, *, version: int) -> None:
        """
        Replace the snapshot and empty the journal, if the stored version is ``version``.

        Args:
            session_id: The session to compact.
            document: JSON text: the state as of ``version``.
            version: The stored version.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: The document is not JSON text, or the version is bad.
            SessionConflictError: The stored version is another one.
        """
        sid = validate_session_id(session_id)
        expected = check_append_version(sid, version, "version")
        data, digest = encode_document(sid, document)
        with self._lock:
            entry = self._entries.get(sid)
            current = None if entry is None else entry.version
            if current != expected or entry is None:
                raise SessionConflictError(sid, expected, current)
            self._entries[sid] = _Entry(expected, data, digest, utc_now())

    def delete(self, session_id: str, *, expected_version: int | None = None) -> None:
        """
        Remove a session (see :meth:`SessionStore.delete`).

        Args:
            session_id: The session to remove.
            expected_version: When given, remove it only at this version.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: ``expected_version`` is not ``None`` or an int >= 0.
            SessionNotFoundError: No session has that id.
            SessionConflictError: The stored version is not ``expected_version``.
        """
        sid = validate_session_id(session_id)
        expected = (
            None if expected_version is None else check_expected_version(sid, expected_version)
        )
        with self._lock:
            entry = self._entries.get(sid)
            if entry is None:
                raise SessionNotFoundError(sid)
            if expected is not None and entry.version != expected:
                raise SessionConflictError(sid, expected, entry.version)
            del self._entries[sid]

    def list_sessions(self) -> list[SessionInfo]:
        """
        List the sessions, sorted by id.

        Returns:
            One :class:`SessionInfo` per session.

        Raises:
            CorruptSessionError: An entry's version is unreadable.
        """
        with self._lock:
            entries = sorted(self._entries.items())
        return [
            SessionInfo(sid, check_stored_version(sid, e.version), e.updated_at, e.size)
            for sid, e in entries
        ]

    def exists(self, session_id: str) -> bool:
        """
        Tell whether a session is stored.

        Args:
            session_id: The session to look for.

        Returns:
            ``True`` when it is stored.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
        """
        sid = validate_session_id(session_id)
        with self._lock:
            return sid in self._entries
