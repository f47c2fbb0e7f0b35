r"""The layout of a session on disk: the snapshot file and the journal file beside it.

A session is ``<id>.session``, its snapshot: a JSON header line, then the document::

    {"format":"agentcharts.session-file","layout":1,"session_id":"s1","sha256":"…",
     "size":1234,"updated_at":"2026-01-31T12:00:00.123456+00:00","version":3}\n
    <the document, exactly as saved or compacted, UTF-8>

The header is one line of compact JSON (keys sorted), ended by ``\n``; ``size`` and
``sha256`` describe the document bytes that follow, so a truncated or garbled file is
detected. The header names its session, so a file copied under another name is refused.
``version`` is the version the snapshot stands for (layout 1 files written before the
journal existed are the same: a snapshot with no journal).

Entries appended after the snapshot go to ``<id>.journal``, which is only ever appended
to. Its first line names it, with a random id that is new for each journal file and the
version its first entry follows::

    {"after":4,"format":"agentcharts.session-journal","journal_id":"<32 hex>",
     "layout":1,"session_id":"s1"}\n

then each entry is one record: a header of compact JSON (keys sorted), a tab, the entry's
bytes, and a newline::

    {"at":"2026-…+00:00","end":7,"n":15,"sha256":"…","start":5,"v":5}\t{"entry": 1}\n

``v`` is the version the entry brings the session to; ``start`` and ``end`` are the
versions of the first and last entry of its batch (one ``append``); ``n`` and ``sha256``
describe the entry bytes; ``at`` is when the batch was appended. A batch is written with
one ``write`` and one ``fsync``. Reading keeps only whole batches: a last batch that is cut
short or fails a checksum was never acknowledged (its writer died mid-write) and is
dropped, and the next append truncates it away before writing. Damage followed by a
record of another batch, or a gap in the versions, is corrupt.

The session's version is the last journal version, or the snapshot's when the journal
holds nothing newer. Records at or below the snapshot's version are ignored: they are
left over from a save or compaction that died after renaming its new snapshot into place
and before removing the journal.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from attrs import frozen

from agentcharts.exceptions import CorruptSessionError
from agentcharts.runtime.sessions._documents import (
    check_stored_version,
    decode_document,
    format_timestamp,
    parse_timestamp,
)

__all__ = [
    "DATA_SUFFIX",
    "FORMAT",
    "JOURNAL_FORMAT",
    "JOURNAL_LAYOUT",
    "JOURNAL_SUFFIX",
    "LAYOUT",
    "LOCK_SUFFIX",
    "MAX_HEADER_BYTES",
    "SHA256_HEX",
    "TEMP_NAME",
    "FileHeader",
    "pack",
    "read_header",
    "unpack",
]

FORMAT = "agentcharts.session-file"
"""The ``format`` value of every session file's header."""
LAYOUT = 1
"""The layout version this module writes and reads."""
DATA_SUFFIX = ".session"
"""A session's file is ``<session_id>.session``."""
JOURNAL_SUFFIX = ".journal"
"""A session's journal file is ``<session_id>.journal``."""
JOURNAL_FORMAT = "agentcharts.session-journal"
"""The ``format`` value of every journal file's header."""
JOURNAL_LAYOUT = 1
"""The journal layout version this module writes and reads."""
LOCK_SUFFIX = ".lock"
"""A session's lock file is ``<session_id>.lock``."""
TEMP_NAME = re.compile(r"(?P<session_id>.+)\.[0-9a-f]{16}\.tmp")
"""A temporary file is ``<session_id>.<16 random hex digits>.tmp``."""
MAX_HEADER_BYTES = 4096
"""A header line longer than this is corrupt."""
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
"""A checksum as the header holds it."""


@frozen
class FileHeader:
    """The first line of a session file."""

    session_id: str
    """The session the file belongs to."""
    version: int
    """The version the snapshot stands for (the session's, unless journal entries follow)."""
    sha256: str
    """The SHA-256 of the document bytes, 64 lowercase hex digits."""
    size: int
    """The number of document bytes after the header line."""
    updated_at: datetime
    """When this version was saved (UTC)."""


def pack(header: FileHeader, data: bytes) -> bytes:
    """
    Build the bytes of a session file.

    Args:
        header: The header; its ``size`` and ``sha256`` must describe ``data``.
        data: The document bytes.

    Returns:
        The header line followed by the document.
    """
    line = json.dumps(
        {
            "format": FORMAT,
            "layout": LAYOUT,
            "session_id": header.session_id,
            "sha256": header.sha256,
            "size": header.size,
            "updated_at": format_timestamp(header.updated_at),
            "version": header.version,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return line.encode("ascii") + b"\n" + data


def read_header(session_id: str, line: bytes) -> FileHeader:
    r"""
    Parse and check the header line of a session file.

    Args:
        session_id: The session the file should belong to (named in the error).
        line: The first line of the file, with its ``\n``.

    Returns:
        The header.

    Raises:
        CorruptSessionError: The line is cut short, too long, not JSON, of another format
            or layout, of another session, or holds a bad version, size or timestamp.
    """
    if not line.endswith(b"\n") or len(line) > MAX_HEADER_BYTES:
        raise CorruptSessionError(session_id, "the file's header line is cut short or too long")
    try:
        fields = json.loads(line)
    except ValueError:
        fields = None
    if not isinstance(fields, dict) or fields.get("format") != FORMAT:
        raise CorruptSessionError(session_id, "the file is not an agentcharts session file")
    if fields.get("layout") != LAYOUT:
        raise CorruptSessionError(
            session_id, f"the file has layout {fields.get('layout')!r}; this version reads {LAYOUT}"
        )
    if fields.get("session_id") != session_id:
        raise CorruptSessionError(
            session_id, f"the file belongs to session {fields.get('session_id')!r}"
        )
    size = fields.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise CorruptSessionError(session_id, f"the file's size field is unreadable: {size!r}")
    sha256 = fields.get("sha256")
    if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256):
        raise CorruptSessionError(session_id, f"the stored checksum is unreadable: {sha256!r}")
    return FileHeader(
        session_id=session_id,
        version=check_stored_version(session_id, fields.get("version")),
        sha256=sha256,
        size=size,
        updated_at=parse_timestamp(session_id, fields.get("updated_at")),
    )


def unpack(session_id: str, raw: bytes) -> tuple[FileHeader, str]:
    """
    Parse and check a whole session file.

    Args:
        session_id: The session the file should belong to (named in the error).
        raw: The file's bytes.

    Returns:
        ``(header, document text)``.

    Raises:
        CorruptSessionError: Anything in the file is wrong: see :func:`read_header`, plus a
            document of the wrong size, with the wrong checksum, or not JSON.
    """
    cut = raw.find(b"\n")
    if cut < 0:
        raise CorruptSessionError(session_id, "the file has no header line")
    header = read_header(session_id, raw[: cut + 1])
    data = raw[cut + 1 :]
    if len(data) != header.size:
        raise CorruptSessionError(
            session_id,
            f"the document has {len(data)} bytes, its header says {header.size} (torn write?)",
        )
    return header, decode_document(session_id, data, header.sha256)
