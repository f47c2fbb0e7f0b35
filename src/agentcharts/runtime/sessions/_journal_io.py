"""Reading and writing a session's journal file; the callers hold the session's lock.

An append must know the session's version without reading the whole journal each time
(that would make a long run quadratic). :func:`read_tail` takes what the store remembers
from its previous read of the same journal file (the journal id of its header, where its
last whole batch ends, and that batch's version) and reads only the bytes written since.
Within one journal file, whole batches never change: a journal only grows, its torn tail
is cut off but never a whole batch, and a save or a compaction removes the file, so the
next one has a new id.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from typing import TYPE_CHECKING

from attrs import frozen

from agentcharts.exceptions import CorruptSessionError
from agentcharts.runtime.sessions._file_format import MAX_HEADER_BYTES
from agentcharts.runtime.sessions._journal_file import (
    journal_id_of,
    pack_journal_header,
    read_journal,
    read_records,
)

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "JournalTail",
    "create_journal",
    "extend_journal",
    "open_journal",
    "read_tail",
    "session_version",
]


@frozen
class JournalTail:
    """What an append needs to know of a journal file, as of one read of it."""

    journal_id: str | None
    """The id in its header line; ``None`` when it has no whole header (its first write
    was torn)."""
    after: int
    """The version its first entry follows (0 without a header)."""
    end: int
    """The offset just after its last whole batch: where the next batch goes."""
    size: int
    """The file's size when it was read (more than ``end`` after a torn write)."""
    last_version: int
    """The version of its last whole entry, or ``after`` when it has none."""


def open_journal(session_id: str, path: Path, flags: int) -> int | None:
    """
    Open a session's journal file, if there is one.

    Args:
        session_id: The session (named in the error).
        path: The journal's path.
        flags: ``os.O_RDONLY`` or ``os.O_RDWR``.

    Returns:
        The file descriptor, or ``None`` when the file does not exist.

    Raises:
        CorruptSessionError: The path is a directory or another kind of non-file.
    """
    try:
        fd = os.open(path, flags | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise CorruptSessionError(session_id, "its journal file is a directory") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise CorruptSessionError(session_id, "its journal file is not a regular file")
    return fd


def read_tail(session_id: str, fd: int, known: JournalTail | None) -> JournalTail:
    """
    Find where a journal's whole batches end, reading only what is new since ``known``.

    Args:
        session_id: The session (named in the error).
        fd: The open journal file.
        known: What a previous read of the session's journal found, if any.

    Returns:
        The journal's tail now.

    Raises:
        CorruptSessionError: The journal is damaged: see :func:`read_journal`.
    """
    size = os.fstat(fd).st_size
    if (
        known is not None
        and known.journal_id is not None
        and known.end <= size
        and journal_id_of(os.pread(fd, MAX_HEADER_BYTES, 0)) == known.journal_id
    ):
        if size == known.end:
            return known
        new = _read_at(fd, known.end, size)
        records, end = read_records(session_id, new, 0, known.last_version)
        last = records[-1].version if records else known.last_version
        return JournalTail(known.journal_id, known.after, known.end + end, size, last)
    scan = read_journal(session_id, _read_at(fd, 0, size))
    last = scan.records[-1].version if scan.records else scan.after
    return JournalTail(scan.journal_id, scan.after, scan.end, size, last)


def create_journal(
    session_id: str, path: Path, batch: bytes, versions: tuple[int, int]
) -> JournalTail:
    """
    Replace a session's journal by a new file holding a header and one batch.

    The caller ``fsync``s the directory afterwards, so the new file's name is durable.

    Args:
        session_id: The session.
        path: The journal's path (any file there is removed first).
        batch: The batch's records.
        versions: The versions of its first and last entries.

    Returns:
        The new journal's tail.
    """
    path.unlink(missing_ok=True)
    journal_id = secrets.token_hex(16)
    header = pack_journal_header(session_id, journal_id, versions[0] - 1)
    content = header + batch
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        _write_at(fd, content, 0)
        os.fsync(fd)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return JournalTail(journal_id, versions[0] - 1, len(content), len(content), versions[1])


def extend_journal(
    fd: int, tail: JournalTail, batch: bytes, versions: tuple[int, int]
) -> JournalTail:
    """
    Write one batch after a journal's last whole batch, cutting off any torn tail first.

    Args:
        fd: The journal, open for writing.
        tail: Its tail, read under the lock that is still held.
        batch: The batch's records.
        versions: The versions of its first and last entries.

    Returns:
        The journal's new tail.
    """
    try:
        if tail.size != tail.end:
            os.ftruncate(fd, tail.end)
        _write_at(fd, batch, tail.end)
        os.fsync(fd)
    except BaseException:
        with contextlib.suppress(OSError):  # best effort: leave no unacknowledged batch
            os.ftruncate(fd, tail.end)
        raise
    end = tail.end + len(batch)
    return JournalTail(tail.journal_id, tail.after, end, end, versions[1])


def session_version(session_id: str, snapshot: int, tail: JournalTail | None) -> int:
    """
    Combine the snapshot's version and the journal's into the session's version.

    Args:
        session_id: The session (named in the error).
        snapshot: The version in the session file's header.
        tail: The journal's tail, or ``None`` when there is no journal.

    Returns:
        The journal's last version when it is newer than the snapshot, else the
        snapshot's.

    Raises:
        CorruptSessionError: The journal's entries start after ``snapshot + 1``.
    """
    if tail is None or tail.last_version <= snapshot:
        return snapshot
    if tail.after > snapshot:
        raise CorruptSessionError(
            session_id,
            f"the journal starts at version {tail.after + 1}, after the snapshot's {snapshot}",
        )
    return tail.last_version


def _read_at(fd: int, start: int, stop: int) -> bytes:
    """Read the bytes ``start:stop`` of a file (fewer if it is shorter)."""
    chunks: list[bytes] = []
    position = start
    while position < stop:
        chunk = os.pread(fd, stop - position, position)
        if not chunk:
            break
        chunks.append(chunk)
        position += len(chunk)
    return b"".join(chunks)


def _write_at(fd: int, data: bytes, offset: int) -> None:
    """Write all of ``data`` at ``offset`` (in one ``pwrite`` unless the kernel writes less)."""
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written
