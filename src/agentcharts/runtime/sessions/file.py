"""A session store of files in a directory: a snapshot and a journal per session (POSIX).

The directory holds, per session, ``<id>.session`` (a header line with the snapshot's
version, size, SHA-256 and time, then the document), ``<id>.journal`` once entries are
appended after the snapshot, and, while the session exists, ``<id>.lock``; see
:mod:`._file_format` for the bytes of each.

Every write takes the session's ``flock`` and checks the stored version first. A
``save`` or ``compact`` writes a uniquely named ``<id>.<random>.tmp`` in the same
directory, flushes and ``fsync``s it, renames it over ``<id>.session`` with
``os.replace``, ``fsync``s the directory, then removes the journal; a crash before the
removal leaves journal records that are not newer than the new snapshot, and those are
ignored. An ``append`` cuts any torn tail off the journal, writes its whole batch with
one ``write`` and ``fsync``s the journal (and the directory, when it created the file).
The store remembers, per session, where the journal's last whole batch ends and its
version, so an append reads only what other writers added since its previous one.

Readers take no lock: the rename is atomic, the journal only grows between snapshots, and
a reader that finds the snapshot replaced while it read the journal reads again. A writer
killed mid-write leaves a temporary file, which ``load`` and ``list_sessions`` ignore and
:meth:`FileSessionStore.cleanup` removes, or a torn last batch, which readers drop.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from agentcharts.exceptions import (
    CorruptSessionError,
    SessionConflictError,
    SessionNotFoundError,
)
from agentcharts.runtime.sessions._documents import (
    check_append_version,
    check_expected_version,
    decode_document,
    encode_document,
    encode_entries,
    utc_now,
)
from agentcharts.runtime.sessions._file_format import (
    DATA_SUFFIX,
    JOURNAL_SUFFIX,
    LOCK_SUFFIX,
    MAX_HEADER_BYTES,
    TEMP_NAME,
    FileHeader,
    pack,
    read_header,
)
from agentcharts.runtime.sessions._file_read import SessionFiles, read_session
from agentcharts.runtime.sessions._flock import require_flock, session_lock
from agentcharts.runtime.sessions._ids import validate_session_id
from agentcharts.runtime.sessions._journal_file import pack_batch
from agentcharts.runtime.sessions._journal_io import (
    JournalTail,
    create_journal,
    extend_journal,
    open_journal,
    read_tail,
    session_version,
)
from agentcharts.runtime.sessions._records import SessionInfo, StoredSession

if TYPE_CHECKING:
    from collections.abc import Sequence
    from contextlib import AbstractContextManager

__all__ = ["FileSessionStore"]


class FileSessionStore:
    """
    Keeps each session in its own files inside ``directory``; see the module docstring.

    Safe for several threads and several processes on one machine (it relies on POSIX
    ``flock``, so not on Windows, and not on network file systems whose ``flock`` is not
    shared between hosts). Session ids are case-sensitive: on a case-insensitive file
    system, ids that differ only in case would share a file, so do not mix them there.

    .. versionadded:: 0.1
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        """
        Open (and create, with its parents, if needed) the store's directory.

        Args:
            directory: Where the session files live.

        Raises:
            StoreUnavailableError: The platform has no ``flock`` (Windows).
        """
        require_flock()
        self._directory = Path(directory)
        self._directory.mkdir(parents=True, exist_ok=True)
        self._tails: dict[str, JournalTail] = {}

    @property
    def directory(self) -> Path:
        """The directory the session files live in."""
        return self._directory

    def __repr__(self) -> str:
        """Show the store's directory."""
        return f"FileSessionStore({str(self._directory)!r})"

    # ------------------------------------------------------------------ paths

    def _data_path(self, session_id: str) -> Path:
        return self._directory / f"{session_id}{DATA_SUFFIX}"

    def _journal_path(self, session_id: str) -> Path:
        return self._directory / f"{session_id}{JOURNAL_SUFFIX}"

    def _locked(self, session_id: str) -> AbstractContextManager[None]:
        return session_lock(
            self._directory / f"{session_id}{LOCK_SUFFIX}", self._data_path(session_id)
        )

    def _sync_directory(self) -> None:
        fd = os.open(self._directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _read(self, session_id: str, *, whole: bool) -> SessionFiles:
        """Read a session's files without the lock (see :func:`read_session`)."""
        return read_session(
            session_id,
            self._data_path(session_id),
            self._journal_path(session_id),
            lambda: self._locked(session_id),
            whole=whole,
        )

    # ------------------------------------------------------------------ under the lock

    def _snapshot_version(self, session_id: str) -> int:
        """Return the snapshot's version from the header, or 0 when there is no session."""
        try:
            with self._data_path(session_id).open("rb") as handle:
                line = handle.readline(MAX_HEADER_BYTES + 1)
        except FileNotFoundError:
            return 0
        except IsADirectoryError:
            raise CorruptSessionError(session_id, "its session file is a directory") from None
        return read_header(session_id, line).version

    def _tail(self, session_id: str, fd: int | None) -> JournalTail | None:
        """Read the journal's tail through the cache, and remember it."""
        if fd is None:
            self._tails.pop(session_id, None)
            return None
        tail = read_tail(session_id, fd, self._tails.get(session_id))
        self._tails[session_id] = tail
        return tail

    def _stored_version(self, session_id: str) -> int:
        """Return the session's version (0 when there is none); hold the lock."""
        snapshot = self._snapshot_version(session_id)
        if snapshot == 0:
            return 0
        fd = open_journal(session_id, self._journal_path(session_id), os.O_RDONLY)
        try:
            return session_version(session_id, snapshot, self._tail(session_id, fd))
        finally:
            if fd is not None:
                os.close(fd)

    def _drop_journal(self, session_id: str) -> None:
        """Remove the session's journal and forget its tail; hold the lock."""
        self._tails.pop(session_id, None)
        self._journal_path(session_id).unlink(missing_ok=True)

    # ------------------------------------------------------------------ the contract

    def load(self, session_id: str) -> StoredSession:
        """
        Read a session's current version (see :meth:`SessionStore.load`).

        Args:
            session_id: The session to read.

        Returns:
            The snapshot, the journal entries after it, the version and when the session
            was last written.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            SessionNotFoundError: No session has that id.
            CorruptSessionError: A file is truncated, garbled, of another session, fails
                its checksum or does not hold JSON, or the journal has a gap or damage
                before its last batch.
        """
        sid = validate_session_id(session_id)
        read = self._read(sid, whole=True)
        header, document, records = read.header, read.document, read.records
        entries = tuple(decode_document(sid, r.data, r.sha256) for r in records)
        return StoredSession(
            sid,
            header.version + len(entries),
            document,
            records[-1].at if records else header.updated_at,
            entries=entries,
            snapshot_version=header.version,
        )

    def save(self, session_id: str, document: str, *, expected_version: int | None) -> int:
        """
        Write a new snapshot and empty the journal, if the stored version is expected.

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
            CorruptSessionError: The stored version cannot be read.
        """
        sid = validate_session_id(session_id)
        expected = check_expected_version(sid, expected_version)
        data, digest = encode_document(sid, document)
        with self._locked(sid):
            current = self._stored_version(sid)
            if current != expected:
                raise SessionConflictError(sid, expected, current or None)
            if current == 0:  # a journal left by a delete that died must not come back
                self._drop_journal(sid)
            header = FileHeader(sid, expected + 1, digest, len(data), utc_now())
            self._replace(sid, pack(header, data))
            self._drop_journal(sid)
        return header.version

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
            SessionConflictError: The stored version is another one (``actual`` is
                ``None`` when there is no session).
            CorruptSessionError: The stored version cannot be read.
        """
        sid = validate_session_id(session_id)
        expected = check_append_version(sid, expected_version)
        encoded = encode_entries(sid, entries)
        versions = (expected + 1, expected + len(encoded))
        with self._locked(sid):
            snapshot = self._snapshot_version(sid)
            if snapshot == 0:
                raise SessionConflictError(sid, expected, None)
            path = self._journal_path(sid)
            fd = open_journal(sid, path, os.O_RDWR)
            try:
                tail = self._tail(sid, fd)
                current = session_version(sid, snapshot, tail)
                if current != expected:
                    raise SessionConflictError(sid, expected, current)
                batch = pack_batch(versions[0], encoded, utc_now())
                if fd is None or tail is None or current == snapshot:
                    # nothing newer than the snapshot (no journal, a torn first write,
                    # or leftovers of a save or compaction): start a new journal file
                    self._tails.pop(sid, None)
                    self._tails[sid] = create_journal(sid, path, batch, versions)
                    self._sync_directory()
                else:
                    self._tails[sid] = extend_journal(fd, tail, batch, versions)
            finally:
                if fd is not None:
                    os.close(fd)
        return versions[1]

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
            CorruptSessionError: The stored version cannot be read.
        """
        sid = validate_session_id(session_id)
        expected = check_append_version(sid, version, "version")
        data, digest = encode_document(sid, document)
        with self._locked(sid):
            current = self._stored_version(sid)
            if current != expected:
                raise SessionConflictError(sid, expected, current or None)
            header = FileHeader(sid, expected, digest, len(data), utc_now())
            self._replace(sid, pack(header, data))
            self._drop_journal(sid)

    def _replace(self, session_id: str, content: bytes) -> None:
        """Write ``content`` to a fresh temporary file and rename it over the session file."""
        temp = self._directory / f"{session_id}.{secrets.token_hex(8)}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            temp.replace(self._data_path(session_id))
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        self._sync_directory()

    def delete(self, session_id: str, *, expected_version: int | None = None) -> None:
        """
        Remove a session, its journal and its lock file (see :meth:`SessionStore.delete`).

        Args:
            session_id: The session to remove.
            expected_version: When given, remove it only at this version.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: ``expected_version`` is not ``None`` or an int >= 0.
            SessionNotFoundError: No session has that id.
            SessionConflictError: The stored version is not ``expected_version``.
            CorruptSessionError: ``expected_version`` is given and the stored version
                cannot be read.
        """
        sid = validate_session_id(session_id)
        expected = (
            None if expected_version is None else check_expected_version(sid, expected_version)
        )
        with self._locked(sid):
            path = self._data_path(sid)
            if not path.exists():
                raise SessionNotFoundError(sid)
            if expected is not None:
                current = self._stored_version(sid)
                if current != expected:
                    raise SessionConflictError(sid, expected, current or None)
            # the snapshot first: a journal without it is no session, and the next
            # save of the id removes it
            path.unlink()
            self._drop_journal(sid)
            self._sync_directory()

    def list_sessions(self) -> list[SessionInfo]:
        """
        List the sessions, sorted by id, from their header lines and journals.

        Files that are not session files (temporary files, lock files, journals, anything
        whose name is not ``<valid id>.session``) are ignored.

        Returns:
            One :class:`SessionInfo` per session; its size counts the document and the
            journal entries after it.

        Raises:
            CorruptSessionError: A session file's header or a journal cannot be read.
        """
        found: list[SessionInfo] = []
        with os.scandir(self._directory) as entries:
            names = [entry.name for entry in entries if entry.is_file()]
        for name in names:
            if not name.endswith(DATA_SUFFIX):
                continue
            sid = name.removesuffix(DATA_SUFFIX)
            if not _is_valid_id(sid):
                continue
            try:
                read = self._read(sid, whole=False)
                header, records = read.header, read.records
            except SessionNotFoundError:
                continue  # deleted since the directory was read
            size = header.size + sum(len(record.data) for record in records)
            updated_at = records[-1].at if records else header.updated_at
            found.append(SessionInfo(sid, header.version + len(records), updated_at, size))
        return sorted(found, key=lambda info: info.session_id)

    def exists(self, session_id: str) -> bool:
        """
        Tell whether a session file exists (even a corrupt one).

        Args:
            session_id: The session to look for.

        Returns:
            ``True`` when ``<id>.session`` exists.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
        """
        return self._data_path(validate_session_id(session_id)).exists()

    def cleanup(self) -> int:
        """
        Remove what crashed writers left behind: temporary, lock and journal files.

        Each session's lock is taken first, so a write in progress is never disturbed.
        Only names the store writes are touched: ``<id>.<16 hex digits>.tmp``, and the
        ``<id>.lock`` and ``<id>.journal`` of a session that does not exist.

        Returns:
            How many of the leftover files found are gone afterwards.
        """
        leftovers: list[tuple[Path, str, bool]] = []
        for path in self._directory.iterdir():
            name = path.name
            temp = TEMP_NAME.fullmatch(name)
            if temp:
                leftovers.append((path, temp.group("session_id"), True))
            elif name.endswith((LOCK_SUFFIX, JOURNAL_SUFFIX)):
                leftovers.append((path, path.stem, name.endswith(JOURNAL_SUFFIX)))
        leftovers = [item for item in leftovers if _is_valid_id(item[1])]
        for path, sid, removable in leftovers:
            # under the lock no writer of the session is between its temp file and its
            # rename, so its temp files are leftovers, and so is the journal of a session
            # without a session file; releasing the lock removes the lock file when the
            # session does not exist
            with self._locked(sid):
                if removable and (
                    not path.name.endswith(JOURNAL_SUFFIX) or not self._data_path(sid).exists()
                ):
                    self._tails.pop(sid, None)
                    path.unlink(missing_ok=True)
        return sum(1 for path, _, _ in leftovers if not path.exists())


def _is_valid_id(candidate: str) -> bool:
    """Tell whether a name taken from a file name is a valid session id."""
    try:
        validate_session_id(candidate)
    except ValueError:
        return False
    return True
