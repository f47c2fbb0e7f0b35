"""Session stores: per session id, one JSON document and a version, written atomically.

Every store keeps the :class:`SessionStore` contract: versioned compare-and-set writes
(a stale writer gets :class:`~agentcharts.exceptions.SessionConflictError`), no torn
documents after a crash, corrupt data reported as
:class:`~agentcharts.exceptions.CorruptSessionError`, JSON only (nothing is unpickled), and
one rule for session ids (:func:`validate_session_id`).

- :class:`FileSessionStore`: one file per session in a directory (POSIX ``flock``).
- :class:`SQLiteSessionStore`: one table in a SQLite database file (WAL mode).
- :class:`MemorySessionStore`: in the process's memory, for tests and examples.
"""

from __future__ import annotations

from agentcharts.runtime.sessions._ids import MAX_SESSION_ID_LENGTH, validate_session_id
from agentcharts.runtime.sessions._protocol import SessionStore
from agentcharts.runtime.sessions._records import SessionInfo, StoredSession
from agentcharts.runtime.sessions.file import FileSessionStore
from agentcharts.runtime.sessions.memory import MemorySessionStore
from agentcharts.runtime.sessions.postgres import PostgresSessionStore
from agentcharts.runtime.sessions.sqlite import SQLiteSessionStore

__all__ = [
    "MAX_SESSION_ID_LENGTH",
    "FileSessionStore",
    "MemorySessionStore",
    "PostgresSessionStore",
    "SQLiteSessionStore",
    "SessionInfo",
    "SessionStore",
    "StoredSession",
    "validate_session_id",
]
