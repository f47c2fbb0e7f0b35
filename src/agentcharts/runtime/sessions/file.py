"""A session store of one file per session in a directory, safe across processes (POSIX).

The directory holds, per session, ``<id>.session`` (a header line with the version, size,
SHA-256 and time, then the document; see :mod:`._file_format`) and, while the session
exists, ``<id>.lock``. A write takes the session's ``flock``, checks the stored version,
writes a uniquely named ``<id>.<random>.tmp`` in the same directory, flushes and
``fsync``s it, renames it over ``<id>.session`` with ``os.replace`` and ``fsync``s the
directory. Readers take no lock: the rename is atomic, so they see the old file or the
new one, never a mix. A writer killed mid-write leaves only its temporary file, which
``load`` and ``list_sessions`` ignore and :meth:`FileSessionStore.cleanup` removes.
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
    check_expected_version,
    encode_document,
    utc_now,
)
from agentcharts.runtime.sessions._file_format import (
    DATA_SUFFIX,
    LOCK_SUFFIX,
    MAX_HEADER_BYTES,
    TEMP_NAME,
    FileHeader,
    pack,
    read_header,
    unpack,
)
from agentcharts.runtime.sessions._flock import require_flock, session_lock
from agentcharts.runtime.sessions._ids import validate_session_id
from agentcharts.runtime.sessions._records import SessionInfo, StoredSession

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

__all__ = ["FileSessionStore"]


class FileSessionStore:
    """
    Keeps each session in its own file inside ``directory``; see the module docstring.

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

    def _locked(self, session_id: str) -> AbstractContextManager[None]:
        return session_lock(
            self._directory / f"{session_id}{LOCK_SUFFIX}", self._data_path(session_id)
        )

    def _stored_version(self, session_id: str) -> int:
        """Return the stored version from the header, or 0 when there is no session."""
        try:
            with self._data_path(session_id).open("rb") as handle:
                line = handle.readline(MAX_HEADER_BYTES + 1)
        except FileNotFoundError:
            return 0
        except IsADirectoryError:
            raise CorruptSessionError(session_id, "its session file is a directory") from None
        return read_header(session_id, line).version

    def _sync_directory(self) -> None:
        fd = os.open(self._directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ the contract

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
            CorruptSessionError: The file is truncated, garbled, of another session, fails
                its checksum or does not hold JSON.
        """
        sid = validate_session_id(session_id)
        try:
            raw = self._data_path(sid).read_bytes()
        except FileNotFoundError:
            raise SessionNotFoundError(sid) from None
        except IsADirectoryError:
            raise CorruptSessionError(sid, "its session file is a directory") from None
        header, document = unpack(sid, raw)
        return StoredSession(sid, header.version, document, header.updated_at)

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
            CorruptSessionError: The stored file's header cannot be read.
        """
        sid = validate_session_id(session_id)
        expected = check_expected_version(sid, expected_version)
        data, digest = encode_document(sid, document)
        with self._locked(sid):
            current = self._stored_version(sid)
            if current != expected:
                raise SessionConflictError(sid, expected, current or None)
            header = FileHeader(sid, expected + 1, digest, len(data), utc_now())
            self._replace(sid, pack(header, data))
        return header.version

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
        Remove a session and its lock file (see :meth:`SessionStore.delete`).

        Args:
            session_id: The session to remove.
            expected_version: When given, remove it only at this version.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: ``expected_version`` is not ``None`` or an int >= 0.
            SessionNotFoundError: No session has that id.
            SessionConflictError: The stored version is not ``expected_version``.
            CorruptSessionError: ``expected_version`` is given and the header is unreadable.
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
            path.unlink()
            self._sync_directory()

    def list_sessions(self) -> list[SessionInfo]:
        """
        List the sessions, sorted by id, from their header lines.

        Files that are not session files (temporary files, lock files, anything whose
        name is not ``<valid id>.session``) are ignored.

        Returns:
            One :class:`SessionInfo` per session.

        Raises:
            CorruptSessionError: A session file's header cannot be read.
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
                with (self._directory / name).open("rb") as handle:
                    line = handle.readline(MAX_HEADER_BYTES + 1)
            except FileNotFoundError:
                continue  # deleted since the directory was read
            header = read_header(sid, line)
            found.append(SessionInfo(sid, header.version, header.updated_at, header.size))
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
        Remove what crashed writers left behind: temporary files and orphaned lock files.

        Each session's lock is taken first, so a write in progress is never disturbed.
        Only names the store writes are touched: ``<id>.<16 hex digits>.tmp`` and the
        ``<id>.lock`` of a session that does not exist.

        Returns:
            How many of the leftover files found are gone afterwards.
        """
        leftovers: list[tuple[Path, str, bool]] = []
        for path in self._directory.iterdir():
            name = path.name
            temp = TEMP_NAME.fullmatch(name)
            sid = temp.group("session_id") if temp else name.removesuffix(LOCK_SUFFIX)
            if (temp or name.endswith(LOCK_SUFFIX)) and _is_valid_id(sid):
                leftovers.append((path, sid, temp is not None))
        for path, sid, is_temp in leftovers:
            # under the lock no writer of the session is between its temp file and its
            # rename, so its temp files are leftovers; releasing the lock removes the lock
            # file when the session does not exist
            with self._locked(sid):
                if is_temp:
                    path.unlink(missing_ok=True)
        return sum(1 for path, _, _ in leftovers if not path.exists())


def _is_valid_id(candidate: str) -> bool:
    """Tell whether a name taken from a file name is a valid session id."""
    try:
        validate_session_id(candidate)
    except ValueError:
        return False
    return True
