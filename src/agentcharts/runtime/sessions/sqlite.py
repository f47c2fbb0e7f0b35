"""A session store in one SQLite database file (stdlib ``sqlite3``), safe across processes.

The store keeps two tables, created when a connection opens (so a database made before
the journal existed gains the second one, and its sessions simply have no entries)::

    CREATE TABLE IF NOT EXISTS agentcharts_sessions (
        session_id TEXT PRIMARY KEY NOT NULL,
        version    INTEGER NOT NULL,  -- 1 after the first save, +1 per appended entry
        document   TEXT NOT NULL,     -- the snapshot's JSON text, exactly as saved
        sha256     TEXT NOT NULL,     -- SHA-256 of the document's UTF-8 bytes, hex
        updated_at TEXT NOT NULL      -- ISO 8601, UTC ("2026-01-31T12:00:00.123456+00:00")
    )
    CREATE TABLE IF NOT EXISTS agentcharts_session_entries (
        session_id TEXT NOT NULL,     -- the session the entry belongs to
        version    INTEGER NOT NULL,  -- the version the entry brought the session to
        entry      TEXT NOT NULL,     -- the entry's JSON text, exactly as appended
        sha256     TEXT NOT NULL,     -- SHA-256 of the entry's UTF-8 bytes, hex
        PRIMARY KEY (session_id, version)
    )

The entries of a session are the journal after its snapshot: versions
``version - n + 1 .. version`` for ``n`` entries. The database runs in WAL mode with
``synchronous=FULL`` and a busy timeout. Every write is one transaction
(``BEGIN IMMEDIATE``, so writers queue on the database's write lock): a compare-and-set
``UPDATE ... WHERE session_id = ? AND version = ?`` of the session's row (a row count of 0
means another writer got there first, and the transaction is rolled back), then the
entries' rows: an append inserts them, a save, compaction or delete removes them all. A
create is an ``INSERT`` (the primary key refuses a second one). A load reads the row and
its entries in one statement, so one consistent snapshot of the database. A crash leaves
the session as it was before the write or after it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from agentcharts.exceptions import (
    CorruptSessionError,
    InvalidSettingError,
    SessionConflictError,
    SessionNotFoundError,
    StoreUnavailableError,
)
from agentcharts.runtime.sessions._closing import ClosingStore
from agentcharts.runtime.sessions._documents import (
    check_append_version,
    check_expected_version,
    check_stored_version,
    decode_document,
    encode_document,
    encode_entries,
    format_timestamp,
    parse_timestamp,
    utc_now,
)
from agentcharts.runtime.sessions._ids import validate_session_id
from agentcharts.runtime.sessions._journal_rows import decode_entries
from agentcharts.runtime.sessions._records import SessionInfo, StoredSession
from agentcharts.runtime.sessions._sqlite_sql import (
    ADD_ENTRY,
    BUMP,
    COMPACT,
    CREATE,
    DELETE,
    DELETE_AT,
    DROP_ENTRIES,
    ENTRIES_TABLE,
    EXISTS,
    INSERT,
    LIST,
    LOAD,
    TABLE,
    UPDATE,
    VERSION,
    write_transaction,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["ENTRIES_TABLE", "TABLE", "SQLiteSessionStore"]

_MAX_IDLE = 8


def _text(value: object) -> object:
    """Decode a TEXT value read as bytes; leave anything else (a bad row) as it is."""
    if isinstance(value, bytes):
        with contextlib.suppress(UnicodeDecodeError):
            return value.decode("utf-8")
    return value


class SQLiteSessionStore(ClosingStore):
    """
    Keeps sessions as rows of one table in a SQLite file; see the module docstring.

    Connections are pooled: an operation takes an idle connection (or opens one) and
    gives it back, so any number of threads can share one store, and processes share the
    file through SQLite's own locking; a forked child opens its own connections. Keep the
    file on a local disk: WAL mode does not work over network file systems. Call
    :meth:`close` (or use ``with``) when done.

    .. versionadded:: 0.1
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        """
        Open the database (creating it, its parent directories and the table if needed).

        Args:
            path: The database file.
            timeout: How long a write waits for another writer's lock, in seconds.

        Raises:
            InvalidSettingError: ``path`` is ``""`` or ``":memory:"`` (each connection would
                get its own database; use :class:`MemorySessionStore`), or ``timeout`` is
                not a positive number.
            StoreUnavailableError: The database cannot be opened or is not a database.
        """
        if os.fspath(path) in {"", ":memory:"}:
            raise InvalidSettingError("path", path, "a database file path")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise InvalidSettingError("timeout", timeout, "a positive number of seconds")
        self._path = Path(path)
        self._timeout = float(timeout)
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._closed = False
        self._pid = os.getpid()
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection():
            pass

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    def __repr__(self) -> str:
        """Show the database file."""
        return f"SQLiteSessionStore({str(self._path)!r})"

    def close(self) -> None:
        """Close every idle connection; later calls raise ``StoreUnavailableError``."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    # ------------------------------------------------------------------ connections

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        try:
            connection.text_factory = bytes
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            for create in CREATE:
                connection.execute(create)
        except BaseException:
            connection.close()
            raise
        return connection

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """Lend a connection for one operation; SQLite errors become ``StoreUnavailableError``."""
        with self._lock:
            if self._closed:
                raise StoreUnavailableError(f"{self!r} is closed")
            if self._pid != os.getpid():
                # a forked child must not use its parent's connections: leave them be
                self._idle, self._pid = [], os.getpid()
            connection = self._idle.pop() if self._idle else None
        try:
            if connection is None:
                connection = self._open()
            yield connection
        except sqlite3.Error as error:
            raise StoreUnavailableError(f"{self!r}: {error}") from error
        finally:
            if connection is not None:
                self._give_back(connection)

    def _give_back(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            reusable = not connection.in_transaction  # a failed rollback: never lend it again
            if reusable and not self._closed and len(self._idle) < _MAX_IDLE:
                self._idle.append(connection)
                return
        connection.close()

    @staticmethod
    def _version_in(connection: sqlite3.Connection, session_id: str) -> int | None:
        """Return the stored version, or ``None`` when the session is not stored."""
        row = connection.execute(VERSION, (session_id,)).fetchone()
        return None if row is None else check_stored_version(session_id, row[0])

    # ------------------------------------------------------------------ the contract

    def load(self, session_id: str) -> StoredSession:
        """
        Read a session's current version (see :meth:`SessionStore.load`).

        Args:
            session_id: The session to read.

        Returns:
            The snapshot, the entries after it (oldest first), the version and when the
            session was last written.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            SessionNotFoundError: No session has that id.
            CorruptSessionError: The row has a bad version, checksum or timestamp, its
                document or an entry is not UTF-8 JSON text matching its checksum, or the
                entries' versions are not exactly the ones after the snapshot.
            StoreUnavailableError: The database cannot be used.
        """
        sid = validate_session_id(session_id)
        with self._connection() as connection:
            rows = connection.execute(LOAD, (sid, sid)).fetchall()
        head = None
        entry_rows: list[tuple[object, object, object]] = []
        for kind, version, data, sha256, updated_at in rows:
            if kind == 0:
                head = (version, data, sha256, updated_at)
            else:
                entry_rows.append((version, data, _text(sha256)))
        if head is None:
            raise SessionNotFoundError(sid)
        version, data, sha256, updated_at = head
        if not isinstance(data, bytes):
            raise CorruptSessionError(sid, f"the document column holds {type(data).__name__}")
        document = decode_document(sid, data, _text(sha256))
        stored_version = check_stored_version(sid, version)
        entries = decode_entries(sid, stored_version, entry_rows)
        return StoredSession(
            sid,
            stored_version,
            document,
            parse_timestamp(sid, _text(updated_at)),
            entries=entries,
            snapshot_version=stored_version - len(entries),
        )

    def save(self, session_id: str, document: str, *, expected_version: int | None) -> int:
        """
        Write a new snapshot and empty the journal, if the stored version is ``expected_version``.

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
            CorruptSessionError: The stored version cannot be read.
            StoreUnavailableError: The database cannot be used (or stayed locked longer
                than the timeout).
        """
        sid = validate_session_id(session_id)
        expected = check_expected_version(sid, expected_version)
        _, digest = encode_document(sid, document)
        now = format_timestamp(utc_now())
        with self._connection() as connection:
            if expected == 0:
                try:
                    with write_transaction(connection):
                        connection.execute(INSERT, (sid, document, digest, now))
                        connection.execute(DROP_ENTRIES, (sid,))  # only rows left by hand
                except sqlite3.IntegrityError:
                    raise SessionConflictError(sid, 0, self._version_in(connection, sid)) from None
                return 1
            with write_transaction(connection):
                cursor = connection.execute(
                    UPDATE, (expected + 1, document, digest, now, sid, expected)
                )
                if cursor.rowcount != 1:
                    raise SessionConflictError(sid, expected, self._version_in(connection, sid))
                connection.execute(DROP_ENTRIES, (sid,))
        return expected + 1

    def append(self, session_id: str, entries: Sequence[str], *, expected_version: int) -> int:
        """
        Add entries to the journal, if the stored version is ``expected_version``.

        One transaction bumps the session's row (the compare-and-set) and inserts the
        entries' rows.

        Args:
            session_id: The session to write.
            entries: One or more JSON texts.
            expected_version: The version the writer read.

        Returns:
            The new version, ``expected_version + len(entries)``.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: The entries are not JSON texts, or the version is bad.
            SessionConflictError: The stored version is another one (``actual`` is
                ``None`` when the session is not stored).
            CorruptSessionError: The stored version cannot be read.
            StoreUnavailableError: The database cannot be used (or stayed locked longer
                than the timeout).
        """
        sid = validate_session_id(session_id)
        expected = check_append_version(sid, expected_version)
        encoded = encode_entries(sid, entries)
        rows = [
            (sid, expected + number, text, digest)
            for number, (text, (_, digest)) in enumerate(zip(entries, encoded, strict=True), 1)
        ]
        version = expected + len(rows)
        now = format_timestamp(utc_now())
        with self._connection() as connection, write_transaction(connection):
            if connection.execute(BUMP, (version, now, sid, expected)).rowcount != 1:
                raise SessionConflictError(sid, expected, self._version_in(connection, sid))
            connection.executemany(ADD_ENTRY, rows)
        return version

    def compact(self, session_id: str, document: str, *, version: int) -> None:
        """
        Replace the snapshot and empty the journal, if the stored version is ``version``.

        Args:
            session_id: The session to compact.
            document: JSON text: the state as of ``version``.
            version: The stored version.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: The document is not JSON text, or the version is bad.
            SessionConflictError: The stored version is another one.
            CorruptSessionError: The stored version cannot be read.
            StoreUnavailableError: The database cannot be used (or stayed locked longer
                than the timeout).
        """
        sid = validate_session_id(session_id)
        expected = check_append_version(sid, version, "version")
        _, digest = encode_document(sid, document)
        now = format_timestamp(utc_now())
        with self._connection() as connection, write_transaction(connection):
            if connection.execute(COMPACT, (document, digest, now, sid, expected)).rowcount != 1:
                raise SessionConflictError(sid, expected, self._version_in(connection, sid))
            connection.execute(DROP_ENTRIES, (sid,))

    def delete(self, session_id: str, *, expected_version: int | None = None) -> None:
        """
        Remove a session's row and its entries, in one transaction (see the protocol).

        Args:
            session_id: The session to remove.
            expected_version: When given, remove it only at this version.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            InvalidWriteError: ``expected_version`` is not ``None`` or an int >= 0.
            SessionNotFoundError: No session has that id.
            SessionConflictError: The stored version is not ``expected_version``.
            CorruptSessionError: ``expected_version`` is given and the stored version is
                unreadable.
            StoreUnavailableError: The database cannot be used.
        """
        sid = validate_session_id(session_id)
        expected = (
            None if expected_version is None else check_expected_version(sid, expected_version)
        )
        with self._connection() as connection, write_transaction(connection):
            if expected is None:
                if connection.execute(DELETE, (sid,)).rowcount != 1:
                    raise SessionNotFoundError(sid)
            elif connection.execute(DELETE_AT, (sid, expected)).rowcount != 1:
                actual = self._version_in(connection, sid)
                if actual is None:
                    raise SessionNotFoundError(sid)
                raise SessionConflictError(sid, expected, actual)
            connection.execute(DROP_ENTRIES, (sid,))

    def list_sessions(self) -> list[SessionInfo]:
        """
        List the sessions, sorted by id; rows whose id breaks the id rule are skipped.

        Returns:
            One :class:`SessionInfo` per session.

        Raises:
            CorruptSessionError: A row's version or timestamp is unreadable.
            StoreUnavailableError: The database cannot be used.
        """
        with self._connection() as connection:
            rows = connection.execute(LIST).fetchall()
        found: list[SessionInfo] = []
        for raw_id, version, updated_at, size in rows:
            sid = _text(raw_id)
            try:
                sid = validate_session_id(sid)
            except ValueError:
                continue
            found.append(
                SessionInfo(
                    sid,
                    check_stored_version(sid, version),
                    parse_timestamp(sid, _text(updated_at)),
                    size if isinstance(size, int) else 0,
                )
            )
        return sorted(found, key=lambda info: info.session_id)

    def exists(self, session_id: str) -> bool:
        """
        Tell whether a session's row exists (even a corrupt one).

        Args:
            session_id: The session to look for.

        Returns:
            ``True`` when a row has that id.

        Raises:
            InvalidSessionIdError: The id breaks the id rule.
            StoreUnavailableError: The database cannot be used.
        """
        sid = validate_session_id(session_id)
        with self._connection() as connection:
            return connection.execute(EXISTS, (sid,)).fetchone() is not None
