"""The stores the conformance suite runs against: one `StoreKit` per store.

To run the whole suite against another store (PostgreSQL, Redis...), add one `StoreKit` to
`KITS`: how to open it at a location, how a child process opens it, and how to damage a
stored session behind the store's back. Nothing else in the suite names a store.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from agentcharts.runtime.sessions import (
    FileSessionStore,
    MemorySessionStore,
    SQLiteSessionStore,
)
from agentcharts.runtime.sessions._file_format import FileHeader, pack
from agentcharts.runtime.sessions.memory import _Entry
from agentcharts.runtime.sessions.postgres import PostgresSessionStore

Corruption = Callable[[object, str], None]
PLANTED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@attrs.frozen
class StoreKit:
    """Everything the conformance suite needs to know about one store."""

    name: str
    """The id of the store in test names."""
    open: Callable[[str], object]
    """Open the store at a location (a path as text)."""
    location: Callable[[Path], str]
    """Pick a location for a fresh store inside a test's temporary directory."""
    child_factory: str | None
    """``"module:attribute"`` that a child process calls with the location to open the same
    store, or ``None`` for a store that lives in one process."""
    plant: Callable[[object, str, bytes], None]
    """Store raw bytes as a session's document, with a matching checksum and version 1,
    bypassing ``save``'s checks."""
    corruptions: dict[str, Corruption]
    """Ways to damage a stored session behind the store's back; each must make ``load``
    raise ``CorruptSessionError``."""
    settle: Callable[[object], None] = lambda store: None
    """Wait until the writes of a client killed mid-save have ended. A server-backed store
    may still commit a transaction whose COMMIT the client sent just before it died."""

    def close(self, store: object) -> None:
        """Release what the store holds open, if anything."""
        close = getattr(store, "close", None)
        if close is not None:
            close()


# ---------------------------------------------------------------------------- file store


def _file(store: object, session_id: str) -> Path:
    assert isinstance(store, FileSessionStore)
    return store.directory / f"{session_id}.session"


def _file_plant(store: object, session_id: str, data: bytes) -> None:
    header = FileHeader(session_id, 1, hashlib.sha256(data).hexdigest(), len(data), PLANTED_AT)
    _file(store, session_id).write_bytes(pack(header, data))


def _rewrite(edit: Callable[[bytes], bytes]) -> Corruption:
    def corrupt(store: object, session_id: str) -> None:
        path = _file(store, session_id)
        path.write_bytes(edit(path.read_bytes()))

    return corrupt


def _flip_last_byte(raw: bytes) -> bytes:
    return raw[:-2] + bytes([raw[-2] ^ 0x20]) + raw[-1:]


def _edit_header(**changes: object) -> Callable[[bytes], bytes]:
    def edit(raw: bytes) -> bytes:
        line, _, body = raw.partition(b"\n")
        fields = json.loads(line)
        fields.update(changes)
        return json.dumps(fields).encode() + b"\n" + body

    return edit


FILE_CORRUPTIONS: dict[str, Corruption] = {
    "truncated": _rewrite(lambda raw: raw[: len(raw) - 5]),
    "truncated-in-header": _rewrite(lambda raw: raw[:20]),
    "empty-file": _rewrite(lambda raw: b""),
    "flipped-byte": _rewrite(_flip_last_byte),
    "extra-bytes": _rewrite(lambda raw: raw + b" "),
    "garbage": _rewrite(lambda raw: b"\x00\xff garbage \x13\n\x00"),
    "plain-json": _rewrite(lambda raw: b'{"not": "a session file"}'),
    "header-of-another-session": _rewrite(_edit_header(session_id="other")),
    "header-newer-layout": _rewrite(_edit_header(layout=2)),
    "header-bad-version": _rewrite(_edit_header(version=0)),
    "header-bad-size": _rewrite(_edit_header(size=-1)),
    "header-bad-checksum": _rewrite(_edit_header(sha256="abc")),
    "header-bad-time": _rewrite(_edit_header(updated_at="yesterday")),
    "header-naive-time": _rewrite(_edit_header(updated_at="2026-01-01T00:00:00")),
}

# -------------------------------------------------------------------------- SQLite store


def _sql(*statement: object) -> Corruption:
    def corrupt(store: object, session_id: str) -> None:
        assert isinstance(store, SQLiteSessionStore)
        sql, *params = statement
        with sqlite3.connect(store.path) as connection:
            connection.execute(str(sql), (*params, session_id))
        connection.close()

    return corrupt


def _sqlite_plant(store: object, session_id: str, data: bytes) -> None:
    assert isinstance(store, SQLiteSessionStore)
    with sqlite3.connect(store.path) as connection:
        connection.execute(
            "INSERT OR REPLACE INTO agentcharts_sessions VALUES (?, 1, ?, ?, '2026-01-01T00:00:00+00:00')",
            (session_id, data, hashlib.sha256(data).hexdigest()),
        )
    connection.close()


SET = "UPDATE agentcharts_sessions SET {} WHERE session_id = ?"
SQLITE_CORRUPTIONS: dict[str, Corruption] = {
    "document-changed": _sql(SET.format("document = ?"), '{"changed": true}'),
    "document-truncated": _sql(SET.format("document = substr(document, 1, 3)")),
    "document-number": _sql(SET.format("document = 42")),
    "sha256-changed": _sql(SET.format("sha256 = ?"), "0" * 64),
    "sha256-garbage": _sql(SET.format("sha256 = ?"), "not a checksum"),
    "version-text": _sql(SET.format("version = 'three'")),
    "version-zero": _sql(SET.format("version = 0")),
    "updated-at-garbage": _sql(SET.format("updated_at = 'yesterday'")),
    "updated-at-blob": _sql(SET.format("updated_at = X'FF00'")),
}

# -------------------------------------------------------------------------- memory store


def _memory_plant(store: object, session_id: str, data: bytes) -> None:
    assert isinstance(store, MemorySessionStore)
    store._entries[session_id] = _Entry(1, data, hashlib.sha256(data).hexdigest(), PLANTED_AT)


def _memory_edit(**changes: object) -> Corruption:
    def corrupt(store: object, session_id: str) -> None:
        assert isinstance(store, MemorySessionStore)
        entry = store._entries[session_id]
        store._entries[session_id] = attrs.evolve(entry, **changes)

    return corrupt


MEMORY_CORRUPTIONS: dict[str, Corruption] = {
    "document-changed": _memory_edit(data=b'{"changed": true}'),
    "sha256-garbage": _memory_edit(sha256="x"),
    "version-zero": _memory_edit(version=0),
}

# ---------------------------------------------------------------------- PostgreSQL store

POSTGRES_DSN = os.environ.get(
    "AGENTCHARTS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
"""The database the PostgreSQL kit uses; each test gets a table of its own in it."""
POSTGRES_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
_postgres_tables: set[str] = set()


def require_postgres() -> None:
    """Fail (never skip) the test when PostgreSQL does not answer, saying how to start it."""
    import psycopg

    try:
        psycopg.connect(POSTGRES_DSN, connect_timeout=3).close()
    except psycopg.Error as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_DSN} "
            f"(set AGENTCHARTS_TEST_POSTGRES_DSN to use another server): {error}\n"
            f"Start the local server with: {POSTGRES_START}",
            pytrace=False,
        )


def _drop_postgres_tables() -> None:
    import psycopg

    if not _postgres_tables:
        return
    with psycopg.connect(POSTGRES_DSN, autocommit=True, connect_timeout=3) as connection:
        for table in sorted(_postgres_tables):
            connection.execute(f"DROP TABLE IF EXISTS {table}, {table}_entries")
    _postgres_tables.clear()


atexit.register(_drop_postgres_tables)


def open_postgres(location: str) -> PostgresSessionStore:
    """Open the store in table ``location`` (the child factory of the PostgreSQL kit)."""
    return PostgresSessionStore(POSTGRES_DSN, table=location)


def _postgres_open(location: str) -> PostgresSessionStore:
    require_postgres()
    _postgres_tables.add(location)  # dropped when the test process exits
    return open_postgres(location)


def _postgres_execute(store: object, sql: str, params: tuple[object, ...]) -> None:
    import psycopg

    assert isinstance(store, PostgresSessionStore)
    store.migrate()  # the store makes its table lazily; a planted row may come first
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as connection:
        connection.execute(sql.format(table=store.table), params)


def _postgres_plant(store: object, session_id: str, data: bytes) -> None:
    _postgres_execute(
        store,
        "INSERT INTO {table} VALUES (%s, 1, %s, %s, '2026-01-01T00:00:00+00:00') "
        "ON CONFLICT (session_id) DO UPDATE SET version = 1, document = EXCLUDED.document, "
        "sha256 = EXCLUDED.sha256, updated_at = EXCLUDED.updated_at",
        (session_id, data, hashlib.sha256(data).hexdigest()),
    )


def _postgres_settle(store: object) -> None:
    """Wait until no other session of the test database is inside a statement or transaction."""
    import time

    import psycopg

    assert isinstance(store, PostgresSessionStore)
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
        "AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')"
    )
    deadline = time.monotonic() + 30
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as connection:
        while True:
            row = connection.execute(query).fetchone()
            if row is not None and row[0] == 0:
                return
            assert time.monotonic() < deadline, "a killed client's transaction never ended"
            time.sleep(0.01)


def _pg(assignment: str, *params: object) -> Corruption:
    def corrupt(store: object, session_id: str) -> None:
        sql = f"UPDATE {{table}} SET {assignment} WHERE session_id = %s"  # noqa: S608 - constants above
        _postgres_execute(store, sql, (*params, session_id))

    return corrupt


POSTGRES_CORRUPTIONS: dict[str, Corruption] = {
    "document-changed": _pg("document = %s", b'{"changed": true}'),
    "document-truncated": _pg("document = substring(document from 1 for 3)"),
    "document-empty": _pg("document = ''::bytea"),
    "sha256-changed": _pg("sha256 = %s", "0" * 64),
    "sha256-garbage": _pg("sha256 = %s", "not a checksum"),
    "sha256-of-old-document": _pg("sha256 = %s", hashlib.sha256(b"{}").hexdigest()),
    "version-zero": _pg("version = 0"),
    "version-negative": _pg("version = -3"),
    "updated-at-infinity": _pg("updated_at = 'infinity'"),
    "updated-at-minus-infinity": _pg("updated_at = '-infinity'"),
}

# ---------------------------------------------------------------------------- the kits

KITS = [
    StoreKit(
        name="file",
        open=FileSessionStore,
        location=lambda tmp: str(tmp / "sessions"),
        child_factory="agentcharts.runtime.sessions:FileSessionStore",
        plant=_file_plant,
        corruptions=FILE_CORRUPTIONS,
    ),
    StoreKit(
        name="sqlite",
        open=SQLiteSessionStore,
        location=lambda tmp: str(tmp / "sessions.db"),
        child_factory="agentcharts.runtime.sessions:SQLiteSessionStore",
        plant=_sqlite_plant,
        corruptions=SQLITE_CORRUPTIONS,
    ),
    StoreKit(
        name="memory",
        open=lambda location: MemorySessionStore(),
        location=lambda tmp: "",
        child_factory=None,
        plant=_memory_plant,
        corruptions=MEMORY_CORRUPTIONS,
    ),
    StoreKit(
        name="postgres",
        open=_postgres_open,
        location=lambda tmp: f"agentcharts_test_{uuid.uuid4().hex[:16]}",
        child_factory="store_kits:open_postgres",
        plant=_postgres_plant,
        corruptions=POSTGRES_CORRUPTIONS,
        settle=_postgres_settle,
    ),
]
"""Every store the conformance suite checks."""

SHARED_KITS = [kit for kit in KITS if kit.child_factory is not None]
"""The stores that several processes can share."""

PLANTED_CORRUPTIONS: dict[str, bytes] = {
    "planted-not-json": b"{not json",
    "planted-nan": b"[NaN]",
    "planted-not-utf8": b'"\xff\xfe"',
    "planted-empty": b"",
}
"""Documents with a matching checksum that are still not JSON text."""

CORRUPTION_CASES = [
    (kit, name) for kit in KITS for name in [*kit.corruptions, *PLANTED_CORRUPTIONS]
]
"""Every (store, way of damaging a session) pair."""


def corrupt(kit: StoreKit, store: object, session_id: str, name: str) -> None:
    """Damage a stored session in the named way."""
    if name in PLANTED_CORRUPTIONS:
        kit.plant(store, session_id, PLANTED_CORRUPTIONS[name])
    else:
        kit.corruptions[name](store, session_id)


def kit_id(kit: StoreKit) -> str:
    """Name a kit in test ids."""
    return kit.name
