"""What a session store hands back: a stored session, and one line of a listing."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

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
    """How many times the session was saved (1 after the first save); pass it back to
    ``save(..., expected_version=version)`` to write the next version."""
    document: str
    """The JSON text that was saved, exactly as it was given."""
    updated_at: datetime
    """When this version was saved (timezone-aware, UTC)."""


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
