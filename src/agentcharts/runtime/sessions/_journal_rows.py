"""Reading a journal back from rows: the check shared by the SQL stores.

An SQL store keeps each entry as one row ``(version, entry, sha256)`` beside the session's
row. What it reads back must be exactly the versions after the snapshot, one row each:
``snapshot_version + 1 .. version`` with ``snapshot_version = version - len(rows)``. A
missing, extra or renumbered row, or an entry that fails its checksum, makes the whole
session corrupt; nothing is skipped or reordered silently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcharts.exceptions import CorruptSessionError
from agentcharts.runtime.sessions._documents import decode_document

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["decode_entries"]


def decode_entries(
    session_id: str, version: int, rows: Sequence[tuple[object, object, object]]
) -> tuple[str, ...]:
    """
    Check a session's entry rows against its version, and return the entries in order.

    Args:
        session_id: The session they belong to (named in the error).
        version: The session's stored version (already checked).
        rows: ``(version, entry bytes, sha256)`` per stored entry, in any order.

    Returns:
        The entries' texts, oldest first.

    Raises:
        CorruptSessionError: The rows' versions are not exactly
            ``version - len(rows) + 1 .. version``, or an entry is not the UTF-8 JSON text
            its checksum stands for.
    """
    snapshot_version = version - len(rows)
    by_version = {number: (data, digest) for number, data, digest in rows}
    expected = range(snapshot_version + 1, version + 1)
    if snapshot_version < 1 or len(by_version) != len(rows) or set(by_version) != set(expected):
        found = sorted(by_version, key=repr)
        raise CorruptSessionError(
            session_id,
            f"the journal's entries are not versions {snapshot_version + 1}..{version} "
            f"after the snapshot: found {found[:10]!r}{'...' if len(found) > 10 else ''}",  # noqa: PLR2004 - a short excerpt
        )
    entries = []
    for number in expected:
        data, digest = by_version[number]
        if not isinstance(data, bytes):
            raise CorruptSessionError(
                session_id, f"entry {number} holds {type(data).__name__}, not text"
            )
        try:
            entries.append(decode_document(session_id, data, digest))
        except CorruptSessionError as error:
            raise CorruptSessionError(session_id, f"entry {number}: {error.cause}") from None
    return tuple(entries)
