r"""The framing of a session's journal file: a header line, then one line per entry.

The layout is described in :mod:`._file_format`. This module builds the bytes of a batch
and reads a journal back, telling a torn tail (a batch that was never acknowledged: the
writer died inside its ``write``) from damage to acknowledged entries, which is corrupt.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from attrs import frozen

from agentcharts.exceptions import CorruptSessionError
from agentcharts.runtime.sessions._documents import format_timestamp, sha256_hex
from agentcharts.runtime.sessions._file_format import (
    JOURNAL_FORMAT,
    JOURNAL_LAYOUT,
    MAX_HEADER_BYTES,
    SHA256_HEX,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "JournalRecord",
    "JournalScan",
    "journal_id_of",
    "pack_batch",
    "pack_journal_header",
    "read_journal",
    "read_records",
    "records_after",
]

MAX_RECORD_HEADER_BYTES = 512
"""A record's header (up to its tab) longer than this is garbage."""
_RECORD_START = b'{"at":'
"""How every record line begins (its header's keys are sorted)."""


@frozen
class JournalRecord:
    """One entry read back from a journal, with its place in the file."""

    version: int
    """The version the entry brought the session to."""
    start: int
    """The version of the first entry of its batch."""
    end: int
    """The version of the last entry of its batch."""
    at: datetime
    """When its batch was appended (UTC)."""
    data: bytes
    """The entry's bytes, which matched their checksum."""
    sha256: str
    """Their SHA-256."""
    stop: int
    """The offset just after the record's newline."""


@frozen
class JournalScan:
    """What a journal holds: its id and the entries of its complete batches."""

    journal_id: str | None
    """The random id from the header line; ``None`` when the file has no complete header
    (it is empty, or its first write was torn)."""
    after: int
    """The version the journal continues from: its first entry is ``after + 1`` (0
    without a header)."""
    records: tuple[JournalRecord, ...]
    """The entries of every complete batch, oldest first, in one gapless sequence."""
    end: int
    """The offset just after the last complete batch (after the header when there is
    none, 0 without a header): where the next batch goes."""


def pack_journal_header(session_id: str, journal_id: str, after: int) -> bytes:
    """
    Build the header line of a new journal.

    Args:
        session_id: The session it belongs to.
        journal_id: A random id, new for each journal file.
        after: The version its first entry follows.

    Returns:
        One line of compact JSON, keys sorted, ended by a newline.
    """
    fields = {
        "after": after,
        "format": JOURNAL_FORMAT,
        "journal_id": journal_id,
        "layout": JOURNAL_LAYOUT,
        "session_id": session_id,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii") + b"\n"


def pack_batch(first_version: int, entries: Sequence[tuple[bytes, str]], at: datetime) -> bytes:
    """
    Build the records of one batch, to be written with one ``write``.

    Args:
        first_version: The version of the first entry.
        entries: Each entry's bytes and SHA-256, in order.
        at: When the batch is appended.

    Returns:
        One record line per entry.
    """
    end = first_version + len(entries) - 1
    stamp = format_timestamp(at)
    parts: list[bytes] = []
    for index, (data, digest) in enumerate(entries):
        fields = {
            "at": stamp,
            "end": end,
            "n": len(data),
            "sha256": digest,
            "start": first_version,
            "v": first_version + index,
        }
        header = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")
        parts.extend((header, b"\t", data, b"\n"))
    return b"".join(parts)


def read_journal(session_id: str, raw: bytes) -> JournalScan:
    """
    Read a whole journal file.

    Args:
        session_id: The session it should belong to (named in the error).
        raw: The file's bytes.

    Returns:
        Its id and the records of its complete batches.

    Raises:
        CorruptSessionError: The header names another session, format or layout, or
            acknowledged entries are damaged: see :func:`read_records`.
    """
    cut = raw.find(b"\n", 0, MAX_HEADER_BYTES)
    fields = _parse_json(raw[:cut]) if cut >= 0 else None
    if not isinstance(fields, dict) or fields.get("format") != JOURNAL_FORMAT:
        # a header cut short (the first write was torn), or garbage: torn unless
        # acknowledged entries follow it
        if _later_records(raw, 0):
            raise CorruptSessionError(session_id, "the journal's header line is garbled")
        return JournalScan(None, 0, (), 0)
    if fields.get("layout") != JOURNAL_LAYOUT:
        raise CorruptSessionError(
            session_id,
            f"the journal has layout {fields.get('layout')!r}; this version reads {JOURNAL_LAYOUT}",
        )
    if fields.get("session_id") != session_id:
        raise CorruptSessionError(
            session_id, f"the journal belongs to session {fields.get('session_id')!r}"
        )
    journal_id = fields.get("journal_id")
    if not isinstance(journal_id, str) or not journal_id:
        raise CorruptSessionError(session_id, f"the journal's id is unreadable: {journal_id!r}")
    after = _int_field(fields, "after", 1)
    if after is None:
        raise CorruptSessionError(
            session_id, f"the journal's first version is unreadable: {fields.get('after')!r}"
        )
    records, end = read_records(session_id, raw, cut + 1, after)
    return JournalScan(journal_id, after, tuple(records), end)


def journal_id_of(head: bytes) -> str | None:
    """
    Return the id in a journal's header line, without checking the rest of the file.

    Args:
        head: The first bytes of the file (at least its first line).

    Returns:
        The journal id, or ``None`` when the header line is not whole and valid.
    """
    cut = head.find(b"\n")
    fields = _parse_json(head[:cut]) if cut >= 0 else None
    if not isinstance(fields, dict) or fields.get("format") != JOURNAL_FORMAT:
        return None
    journal_id = fields.get("journal_id")
    return journal_id if isinstance(journal_id, str) and journal_id else None


def read_records(
    session_id: str, raw: bytes, offset: int, last_version: int
) -> tuple[list[JournalRecord], int]:
    """
    Read the records from ``offset`` on, keeping those of complete batches.

    A batch is complete when its last record (``v == end``) is whole and every record of
    it matches its checksum. A damaged or incomplete last batch is a torn write and is
    dropped; damage followed by a record of a later batch is corrupt.

    Args:
        session_id: The session the journal belongs to (named in the error).
        raw: The journal's bytes (offsets are positions in ``raw``).
        offset: Where the first record starts: after the header or after a batch.
        last_version: The version of the record just before ``offset`` (the journal's
            ``after`` at its first record).

    Returns:
        The records of the complete batches, and the offset after the last of them
        (``offset`` when there is none).

    Raises:
        CorruptSessionError: A record is damaged and a later batch follows it, a batch
            is cut short by another one, or the versions have a gap.
    """
    records: list[JournalRecord] = []
    pending: list[JournalRecord] = []
    end = position = offset
    previous = last_version
    while position < len(raw):
        record = _parse_record(raw, position)
        if record is None:
            _check_torn(session_id, raw, position, pending[0].start if pending else previous + 1)
            break
        first = pending[0] if pending else None
        if (first is None and record.version != record.start) or (
            first is not None and (first.start, first.end) != (record.start, record.end)
        ):
            raise CorruptSessionError(
                session_id, f"the journal's batch of entry {record.version} is incomplete"
            )
        if record.version != previous + 1:
            raise CorruptSessionError(
                session_id,
                f"the journal skips from version {previous} to {record.version}",
            )
        pending.append(record)
        previous = record.version
        position = record.stop
        if record.version == record.end:
            records.extend(pending)
            pending.clear()
            end = position
    return records, end


def records_after(
    session_id: str, records: Sequence[JournalRecord], snapshot_version: int
) -> tuple[JournalRecord, ...]:
    """
    Keep the records newer than the snapshot.

    Older ones are left over from a save or a compaction that died before it removed the
    journal.

    Args:
        session_id: The session (named in the error).
        records: A journal's records, in one gapless sequence.
        snapshot_version: The version of the session file's snapshot.

    Returns:
        The records with a version above ``snapshot_version``.

    Raises:
        CorruptSessionError: The first of them is not ``snapshot_version + 1``.
    """
    index = len(records)
    while index > 0 and records[index - 1].version > snapshot_version:
        index -= 1
    kept = tuple(records[index:])
    if kept and kept[0].version != snapshot_version + 1:
        raise CorruptSessionError(
            session_id,
            f"the journal starts at version {kept[0].version}, after the snapshot's "
            f"{snapshot_version}",
        )
    return kept


def _parse_json(data: bytes) -> object:
    """Parse ``data`` as JSON, or return ``None`` when it is not."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _int_field(fields: dict[str, object], name: str, minimum: int) -> int | None:
    """Return ``fields[name]`` when it is an int of at least ``minimum``."""
    value = fields.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        return None
    return value


def _parse_timestamp(value: object) -> datetime | None:
    """Return the ISO 8601 timestamp with an offset in ``value``, or ``None``."""
    moment = None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(value)
    return None if moment is None or moment.tzinfo is None else moment.astimezone(UTC)


def _parse_record(raw: bytes, position: int) -> JournalRecord | None:
    """Read the record at ``position``, or return ``None`` when it is not whole and valid."""
    tab = raw.find(b"\t", position, position + MAX_RECORD_HEADER_BYTES)
    fields = _parse_json(raw[position:tab]) if tab >= 0 else None
    if not isinstance(fields, dict):
        return None
    version = _int_field(fields, "v", 1)
    start = _int_field(fields, "start", 1)
    end = _int_field(fields, "end", 1)
    size = _int_field(fields, "n", 0)
    digest = fields.get("sha256")
    at = _parse_timestamp(fields.get("at"))
    if (
        version is None
        or start is None
        or end is None
        or size is None
        or at is None
        or not isinstance(digest, str)
        or not SHA256_HEX.fullmatch(digest)
        or not start <= version <= end
    ):
        return None
    stop = tab + 1 + size
    if raw[stop : stop + 1] != b"\n":
        return None
    data = raw[tab + 1 : stop]
    if sha256_hex(data) != digest:
        return None
    return JournalRecord(version, start, end, at, data, digest, stop + 1)


def _later_records(raw: bytes, position: int) -> list[JournalRecord]:
    """Find the whole, valid records that start on a line after ``position``."""
    found: list[JournalRecord] = []
    candidate = raw.find(b"\n" + _RECORD_START, position)
    while candidate >= 0:
        record = _parse_record(raw, candidate + 1)
        if record is not None:
            found.append(record)
        candidate = raw.find(b"\n" + _RECORD_START, record.stop - 1 if record else candidate + 1)
    return found


def _check_torn(session_id: str, raw: bytes, position: int, start: int) -> None:
    """
    Accept the damage at ``position`` as a torn last batch, or raise.

    Args:
        session_id: The session (named in the error).
        raw: The journal's bytes.
        position: Where the damaged record begins.
        start: The first version of the batch it belongs to.

    Raises:
        CorruptSessionError: A valid record of another batch follows the damage.
    """
    if any(record.start != start for record in _later_records(raw, position)):
        raise CorruptSessionError(
            session_id, f"the journal has a damaged record at byte {position}, before valid ones"
        )
