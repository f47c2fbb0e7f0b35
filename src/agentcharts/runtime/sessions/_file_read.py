"""Reading a file session without its lock: the snapshot and the journal, consistently.

A writer renames a new snapshot into place and then removes the journal, or appends to
the journal. A reader opens the session file, reads it, reads the journal, then checks
that the session file's name still points at the file it read: if so, no snapshot
replaced it before the journal was read, so every journal record it read is either
older than that snapshot (and ignored) or follows it. If not, it reads again.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from attrs import frozen

from agentcharts.exceptions import CorruptSessionError, SessionNotFoundError
from agentcharts.runtime.sessions._file_format import (
    MAX_HEADER_BYTES,
    FileHeader,
    read_header,
    unpack,
)
from agentcharts.runtime.sessions._journal_file import (
    JournalRecord,
    read_journal,
    records_after,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager
    from pathlib import Path

__all__ = ["SessionFiles", "read_session"]

LOCK_FREE_READS = 5
"""How often a reader tries without the lock before it reads under it."""


@frozen
class SessionFiles:
    """A session as its files hold it."""

    header: FileHeader
    """The session file's header: the snapshot's version, size and time."""
    document: str
    """The snapshot's text (empty when only the header was read)."""
    records: tuple[JournalRecord, ...]
    """The journal records after the snapshot, oldest first."""


def read_session(
    session_id: str,
    data_path: Path,
    journal_path: Path,
    lock: Callable[[], AbstractContextManager[None]],
    *,
    whole: bool,
) -> SessionFiles:
    """
    Read a session: lock-free first, under its lock when that does not settle.

    A lock-free read is retried when the snapshot was replaced meanwhile; it is repeated
    under the lock when it keeps being replaced, or when the journal looks damaged (a
    lock-free read can race a writer that cuts a torn tail off).

    Args:
        session_id: The session.
        data_path: Its session file.
        journal_path: Its journal file.
        lock: Takes the session's lock.
        whole: Read the document too, not only the header line.

    Returns:
        The header, the document and the journal records after the snapshot.

    Raises:
        SessionNotFoundError: There is no session file.
        CorruptSessionError: A file is damaged.
    """
    for _ in range(LOCK_FREE_READS):
        files = _read_files(session_id, data_path, journal_path, whole=whole)
        if files is None:
            continue
        header, document = _parse_snapshot(session_id, files[0], whole=whole)
        try:
            records = read_journal(session_id, files[1]).records
            return SessionFiles(
                header, document, records_after(session_id, records, header.version)
            )
        except CorruptSessionError:
            break
    with lock():
        files = None
        while files is None:  # settled under the lock: no writer is active
            files = _read_files(session_id, data_path, journal_path, whole=whole)
    header, document = _parse_snapshot(session_id, files[0], whole=whole)
    records = read_journal(session_id, files[1]).records
    return SessionFiles(header, document, records_after(session_id, records, header.version))


def _read_files(
    session_id: str, data_path: Path, journal_path: Path, *, whole: bool
) -> tuple[bytes, bytes] | None:
    """
    Read the session file (or its header line) and the journal.

    Returns:
        ``(session bytes, journal bytes)``, or ``None`` when the session file was
        replaced or removed while the journal was read.

    Raises:
        SessionNotFoundError: There is no session file.
        CorruptSessionError: The session file or the journal is a directory.
    """
    try:
        with data_path.open("rb") as handle:
            held = os.fstat(handle.fileno())
            data = handle.read() if whole else handle.readline(MAX_HEADER_BYTES + 1)
    except FileNotFoundError:
        raise SessionNotFoundError(session_id) from None
    except IsADirectoryError:
        raise CorruptSessionError(session_id, "its session file is a directory") from None
    try:
        journal = journal_path.read_bytes()
    except FileNotFoundError:
        journal = b""
    except IsADirectoryError:
        raise CorruptSessionError(session_id, "its journal file is a directory") from None
    try:
        named = data_path.stat()
    except FileNotFoundError:
        return None
    if (named.st_dev, named.st_ino) != (held.st_dev, held.st_ino):
        return None
    return data, journal


def _parse_snapshot(session_id: str, raw: bytes, *, whole: bool) -> tuple[FileHeader, str]:
    """Check the session file's bytes (or header line) and return its header and text."""
    if whole:
        return unpack(session_id, raw)
    return read_header(session_id, raw), ""
