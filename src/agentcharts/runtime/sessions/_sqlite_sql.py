"""The SQL of the SQLite session store (its schema is in the ``sqlite`` module docstring)."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "ADD_ENTRY",
    "BUMP",
    "COMPACT",
    "CREATE",
    "DELETE",
    "DELETE_AT",
    "DROP_ENTRIES",
    "ENTRIES_TABLE",
    "EXISTS",
    "INSERT",
    "LIST",
    "LOAD",
    "TABLE",
    "UPDATE",
    "VERSION",
    "write_transaction",
]

TABLE: Final = "agentcharts_sessions"
"""The name of the store's table."""

ENTRIES_TABLE: Final = "agentcharts_session_entries"
"""The name of the table of journal entries."""

CREATE: Final = (
    """
CREATE TABLE IF NOT EXISTS agentcharts_sessions (
    session_id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
""",
    """
CREATE TABLE IF NOT EXISTS agentcharts_session_entries (
    session_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    entry TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (session_id, version)
)
""",
)
# the row first (kind 0), then the entries (kind 1): one statement, one read snapshot
LOAD: Final = (
    "SELECT 0, version, document, sha256, updated_at FROM agentcharts_sessions "
    "WHERE session_id = ? UNION ALL "
    "SELECT 1, version, entry, sha256, NULL FROM agentcharts_session_entries "
    "WHERE session_id = ?"
)
VERSION: Final = "SELECT version FROM agentcharts_sessions WHERE session_id = ?"
INSERT: Final = (
    "INSERT INTO agentcharts_sessions (session_id, version, document, sha256, updated_at) "
    "VALUES (?, 1, ?, ?, ?)"
)
UPDATE: Final = (
    "UPDATE agentcharts_sessions SET version = ?, document = ?, sha256 = ?, updated_at = ? "
    "WHERE session_id = ? AND version = ?"
)
BUMP: Final = (
    "UPDATE agentcharts_sessions SET version = ?, updated_at = ? "
    "WHERE session_id = ? AND version = ?"
)
COMPACT: Final = (
    "UPDATE agentcharts_sessions SET document = ?, sha256 = ?, updated_at = ? "
    "WHERE session_id = ? AND version = ?"
)
ADD_ENTRY: Final = (
    "INSERT INTO agentcharts_session_entries (session_id, version, entry, sha256) "
    "VALUES (?, ?, ?, ?)"
)
DROP_ENTRIES: Final = "DELETE FROM agentcharts_session_entries WHERE session_id = ?"
DELETE: Final = "DELETE FROM agentcharts_sessions WHERE session_id = ?"
DELETE_AT: Final = "DELETE FROM agentcharts_sessions WHERE session_id = ? AND version = ?"
LIST: Final = (
    "SELECT session_id, version, updated_at, length(CAST(document AS BLOB)) + coalesce(("
    "SELECT sum(length(CAST(entry AS BLOB))) FROM agentcharts_session_entries AS e "
    "WHERE e.session_id = s.session_id), 0) FROM agentcharts_sessions AS s"
)
EXISTS: Final = "SELECT 1 FROM agentcharts_sessions WHERE session_id = ?"


@contextlib.contextmanager
def write_transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """
    Run a block as one write transaction: committed when it ends, rolled back if it raises.

    ``BEGIN IMMEDIATE`` takes the database's write lock at once (waiting up to the busy
    timeout), so the compare-and-set and the rows written after it cannot interleave with
    another writer's.

    Args:
        connection: A connection in autocommit mode, outside any transaction.

    Yields:
        Nothing; run the transaction's statements in the block.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    finally:
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # the pool closes it if this failed
                connection.execute("ROLLBACK")
