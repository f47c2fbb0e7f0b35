"""What a session store hands back: a stored session, and one line of a listing."""

from __future__ import annotations

from datetime import datetime

from attrs import Factory, field, frozen

__all__ = ["SessionInfo", "StoredSession"]


@frozen
class StoredSession:
    """
    One session as a store holds it: an opaque JSON document and its version.

    .. versionadded:: 0.1
    """

    session_id: str
    """The session's id."""
    version: int
    """How many changes the session has had: each ``save`` counts one, each appended entry
    one (1 after the first save). Pass it back as ``expected_version`` to write the next."""
    document: str
    """The snapshot's JSON text, exactly as it was saved or compacted."""
    updated_at: datetime
    """When the session was last written (timezone-aware, UTC)."""
    entries: tuple[str, ...] = ()
    """The journal entries written after the snapshot, oldest first, each exactly as it was
    appended: entry ``i`` has version ``snapshot_version + 1 + i``."""
    snapshot_version: int = field(default=Factory(lambda self: self.version, takes_self=True))
    """The version the snapshot stands for (``version - len(entries)``)."""


@frozen
class SessionInfo:
    """
    One session in a store's listing: its version, age and size, without the document.

    .. versionadded:: 0.1
    """

    session_id: str
    """The session's id."""
    version: int
    """Its current version."""
    updated_at: datetime
    """When the current version was saved (timezone-aware, UTC)."""
    size_bytes: int
    """The document's size in bytes, encoded as UTF-8 (not the size of the file or row)."""
