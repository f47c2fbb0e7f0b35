"""A session store in two PostgreSQL tables (psycopg 3), shared by every host that reaches them.

Install the extra: ``pip install 'agentcharts[postgres]'``. The store keeps a table of
sessions and, named after it, a table of their journal entries, both created on first use
(or by :meth:`PostgresSessionStore.migrate`; a database made before the journal existed
gains the entries table, and its sessions simply have no entries)::

    CREATE TABLE IF NOT EXISTS agentcharts_sessions (
        session_id text PRIMARY KEY,         -- the session id (validate_session_id)
        version    bigint NOT NULL,          -- 1 after the first save, +1 per entry
        document   bytea NOT NULL,           -- the snapshot's UTF-8 bytes, exactly as saved
        sha256     text NOT NULL,            -- SHA-256 of those bytes, hex
        updated_at timestamptz NOT NULL      -- when the session was last written
    )
    CREATE TABLE IF NOT EXISTS agentcharts_sessions_entries (
        session_id text NOT NULL,            -- the session the entry belongs to
        version    bigint NOT NULL,          -- the version the entry brought it to
        entry      bytea NOT NULL,           -- the entry's UTF-8 bytes, exactly as appended
        sha256     text NOT NULL,            -- SHA-256 of those bytes, hex
        PRIMARY KEY (session_id, version)
    )

The entries of a session are the journal after its snapshot: versions
``version - n + 1 .. version`` for ``n`` entries. Every write but a delete is one statement,
so one transaction (autocommit): a compare-and-set
``UPDATE ... WHERE session_id = %s AND version = %s ... RETURNING`` of the session's row
feeds the statement on its entries (an append inserts them from two arrays with
``unnest``; a save or compaction deletes them all). PostgreSQL re-checks the ``WHERE``
against a row that a concurrent writer just changed, so no row returned means another
writer got there first, and then nothing is written. A create is
``INSERT ... ON CONFLICT (session_id) DO NOTHING``. A delete is one transaction that
removes the row and then its entries. A load reads the row and its entries in one
statement, so from one snapshot. A crash leaves every session as it was before a write or
after it. The tables are created under a transaction-scoped advisory lock, so processes
that start at the same moment do not race on ``CREATE TABLE``.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agentcharts.exceptions import (
    CorruptSessionError,
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
    utc_now,
)
from agentcharts.runtime.sessions._ids import validate_session_id
from agentcharts.runtime.sessions._journal_rows import decode_entries
from agentcharts.runtime.sessions._postgres_sql import (
    DEFAULT_TABLE,
    Statements,
    check_seconds,
    check_table,
    connection_params,
    import_psycopg,
)
from agentcharts.runtime.sessions._records import SessionInfo, StoredSession

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from psycopg import Connection

__all__ = ["DEFAULT_TABLE", "PostgresSessionStore"]

_MAX_IDLE = 8
_CHECK_AFTER_S = 1.0
"""A pooled connection idle longer than this is checked (``SELECT 1``) before it is lent."""


class PostgresSessionStore(ClosingStore):
    """
    Keeps sessions and their entries as rows of two tables; see the module docstring.

    The store connects lazily: building it opens nothing, and the first operation (or
    :meth:`migrate`) connects and creates the table if it is missing. Connections are
    pooled: an operation takes an idle connection (or opens one) and gives it back, so any
    number of threads can share one store, and every process or host that reaches the
    database shares the sessions; a forked child opens its own connections. Call
    :meth:`close` (or use ``with``) when done.

    Connection failures, lost connections and statement timeouts raise
    :class:`~agentcharts.exceptions.StoreUnavailableError`, never a psycopg error.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        dsn: str,
        *,
        table: str = DEFAULT_TABLE,
        connect_timeout: float = 5.0,
        statement_timeout: float | None = 10.0,
    ) -> None:
        """
        Check the settings; nothing is connected until the first operation.

        Args:
            dsn: A libpq connection string or URL
                (``"postgresql://postgres@127.0.0.1:5432/test"``).
            table: The table's name, optionally ``"schema.table"``; lowercase letters,
                digits and ``_``.
            connect_timeout: The most seconds to wait for a connection (libpq counts whole
                seconds, at least 2).
            statement_timeout: The most seconds one statement may run, waiting for another
                writer's row lock included (PostgreSQL's ``statement_timeout``), or ``None``
                for the server's setting.

        Raises:
            DefinitionError: psycopg 3 is not installed.
            InvalidSettingError: The DSN cannot be parsed, the table name is not allowed, or
                a timeout is not a positive number.
        """
        psycopg = import_psycopg()
        self._psycopg = psycopg
        self._params, self._where = connection_params(psycopg, dsn, connect_timeout)
        parts = check_table(table)
        self._table = ".".join(parts)
        self._statement_ms = (
            None
            if statement_timeout is None
            else round(check_seconds("statement_timeout", statement_timeout) * 1000)
        )
        self._sql = Statements(psycopg, parts)
        self._lock = threading.Lock()
        self._idle: list[tuple[Connection[Any], float]] = []
        self._closed = False
        self._ready = False
        self._pid = os.getpid()

    @property
    def table(self) -> str:
        """The table's name, as given (``"schema.table"`` when qualified)."""
        return self._table

    def __repr__(self) -> str:
        """Show the server, database and table, never the password."""
        return f"PostgresSessionStore({self._where!r}, table={self._table!r})"

    def close(self) -> None:
        """Close every idle connection; later calls raise ``StoreUnavailableError``."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection, _ in idle:
            connection.close()

    def migrate(self) -> None:
        """
        Create the tables that do not exist yet (what the first operation does anyway).

        Safe to call from many processes at once: the checks and the ``CREATE TABLE`` run
        under a transaction-scoped advisory lock. An existing table is left as it is, so a
        role without the ``CREATE`` privilege can use tables made by someone else (a table
        made before the journal existed needs its entries table created once).

        Raises:
            StoreUnavailableError: The database cannot be reached, or refused the statement.
        """
        with self._connection(migrate=False) as connection:
            self._migrate(connection)

    # ------------------------------------------------------------------ connections

    def _migrate(self, connection: Connection[Any]) -> None:
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (self._sql.lock_key,))
            for name, create in self._sql.creates:
                row = connection.execute("SELECT to_regclass(%s) IS NULL", (name,)).fetchone()
                if row is not None and row[0]:
                    connection.execute(create)
        self._ready = True

    def _open(self) -> Connection[Any]:
        connection: Connection[Any] = self._psycopg.connect(autocommit=True, **self._params)
        try:
            if self._statement_ms is not None:
                connection.execute(f"SET statement_timeout = {self._statement_ms:d}")
        except BaseException:
            connection.close()
            raise
        return connection

    def _borrow(self) -> Connection[Any]:
        """Take an idle connection that still works, or open one."""
        while True:
            with self._lock:
                if self._closed:
                    raise StoreUnavailableError(f"{self!r} is closed")
                if self._pid != os.getpid():
                    # a forked child must not use its parent's connections: leave them be
                    self._idle, self._pid = [], os.getpid()
                if not self._idle:
                    break
                connection, since = self._idle.pop()
            if time.monotonic() - since < _CHECK_AFTER_S:
                return connection
            try:  # idle for a while: the server may have closed it (a restart, a timeout)
                connection.execute("SELECT 1")
            except self._psycopg.Error:
                connection.close()
                continue
            return connection
        return self._open()

    @contextlib.contextmanager
    def _connection(self, *, migrate: bool = True) -> Iterator[Connection[Any]]:
        """Lend a connection for one operation; psycopg errors become ``StoreUnavailableError``."""
        connection: Connection[Any] | None = None
        healthy = True
        try:
            connection = self._borrow()
            if migrate and not self._ready:
                self._migrate(connection)
            yield connection
        except self._psycopg.Error as error:
            healthy = False
            raise StoreUnavailableError(f"{self!r}: {error}".rstrip()) from error
        finally:
            if connection is not None:
                self._give_back(connection, healthy=healthy)

    def _give_back(self, connection: Connection[Any], *, healthy: bool) -> None:
        # a conflict leaves the connection idle and reusable; an interrupted query does not
        idle = self._psycopg.pq.TransactionStatus.IDLE
        if healthy and not connection.closed and connection.info.transaction_status == idle:
            with self._lock:
                if not self._closed and len(self._idle) < _MAX_IDLE:
                    self._idle.append((connection, time.monotonic()))
                    return
        connection.close()

    def _version_in(self, connection: Connection[Any], session_id: str) -> int | None:
        """Return the stored version, or ``None`` when the session is not stored."""
        row = connection.execute(self._sql.text["version"], (session_id,)).fetchone()
        return None if row is None else check_stored_version(session_id, row[0])

    def _changed(self, connection: Connection[Any], name: str, params: tuple[object, ...]) -> int:
        """Run a write that ends ``SELECT count(*)`` of the rows it changed; return the count."""
        row = connection.execute(self._sql.text[name], params, prepare=True).fetchone()
        return 0 if row is None else int(row[0])

    @staticmethod
    def _moment(session_id: str, value: object) -> datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise CorruptSessionError(session_id, f"the stored timestamp is unreadable: {value!r}")
        return value.astimezone(UTC)

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
            rows = connection.execute(self._sql.text["load"], (sid, sid), prepare=True).fetchall()
        head = None
        entry_rows: list[tuple[object, object, object]] = []
        for kind, version, data, sha256, updated_at in rows:
            if kind == 0:
                head = (version, data, sha256, updated_at)
            else:
                entry_rows.append((version, data, sha256))
        if head is None:
            raise SessionNotFoundError(sid)
        version, data, sha256, updated_at = head
        document = decode_document(sid, bytes(data), sha256)
        stored_version = check_stored_version(sid, version)
        entries = decode_entries(sid, stored_version, entry_rows)
        return StoredSession(
            sid,
            stored_version,
            document,
            self._moment(sid, updated_at),
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
            StoreUnavailableError: The database cannot be used, or the statement ran longer
                than the statement timeout.
        """
        sid = validate_session_id(session_id)
        expected = check_expected_version(sid, expected_version)
        data, digest = encode_document(sid, document)
        now = utc_now()
        with self._connection() as connection:
            if expected == 0:
                params: tuple[object, ...] = (sid, data, digest, now)
                if self._changed(connection, "insert", params) != 1:
                    raise SessionConflictError(sid, 0, self._version_in(connection, sid))
                return 1
            params = (expected + 1, data, digest, now, sid, expected)
            if self._changed(connection, "update", params) != 1:
                raise SessionConflictError(sid, expected, self._version_in(connection, sid))
        return expected + 1

    def append(self, session_id: str, entries: Sequence[str], *, expected_version: int) -> int:
        """
        Add entries to the journal, if the stored version is ``expected_version``.

        One statement bumps the session's row (the compare-and-set) and inserts the
        entries' rows, whatever their number.

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
            StoreUnavailableError: The database cannot be used, or the statement ran longer
                than the statement timeout.
        """
        sid = validate_session_id(session_id)
        expected = check_append_version(sid, expected_version)
        encoded = encode_entries(sid, entries)
        version = expected + len(encoded)
        datas = [data for data, _ in encoded]
        digests = [digest for _, digest in encoded]
        params = (version, utc_now(), sid, expected, expected, datas, digests)
        with self._connection() as connection:
            cursor = connection.execute(self._sql.text["append"], params, prepare=True)
            if cursor.rowcount != len(encoded):
                raise SessionConflictError(sid, expected, self._version_in(connection, sid))
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
            StoreUnavailableError: The database cannot be used, or the statement ran longer
                than the statement timeout.
        """
        sid = validate_session_id(session_id)
        expected = check_append_version(sid, version, "version")
        data, digest = encode_document(sid, document)
        params = (data, digest, utc_now(), sid, expected)
        with self._connection() as connection:
            if self._changed(connection, "compact", params) != 1:
                raise SessionConflictError(sid, expected, self._version_in(connection, sid))

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
        with self._connection() as connection, connection.transaction():
            if expected is None:
                removed = connection.execute(self._sql.text["delete"], (sid,)).rowcount
            else:
                removed = connection.execute(self._sql.text["delete_at"], (sid, expected)).rowcount
            if removed == 1:
                connection.execute(self._sql.text["drop_entries"], (sid,))
                return
            actual = None if expected is None else self._version_in(connection, sid)
        if actual is None or expected is None:
            raise SessionNotFoundError(sid)
        raise SessionConflictError(sid, expected, actual)

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
            rows = connection.execute(self._sql.text["list"]).fetchall()
        found: list[SessionInfo] = []
        for raw_id, version, updated_at, size in rows:
            try:
                sid = validate_session_id(raw_id)
            except ValueError:
                continue
            found.append(
                SessionInfo(
                    sid,
                    check_stored_version(sid, version),
                    self._moment(sid, updated_at),
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
            return connection.execute(self._sql.text["exists"], (sid,)).fetchone() is not None
