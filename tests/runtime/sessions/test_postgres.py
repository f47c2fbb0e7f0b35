"""Tests for `agentcharts.runtime.sessions.postgres`: schema, journal, settings, pooling, failures.

The contract itself (versions, conflicts, corruption, ids, threads, processes) is checked
by the conformance suite, which runs the PostgreSQL kit of `store_kits.KITS`.
"""

from __future__ import annotations

import hashlib
import socket
import sys
import threading
import time
import uuid
from datetime import UTC

import psycopg
import pytest
from psycopg import sql
from store_kits import POSTGRES_DSN, open_postgres, require_postgres

from agentcharts.exceptions import (
    CorruptSessionError,
    DefinitionError,
    InvalidSettingError,
    SessionConflictError,
    StoreUnavailableError,
)
from agentcharts.runtime.sessions.postgres import DEFAULT_TABLE, PostgresSessionStore

pytestmark = pytest.mark.postgres


@pytest.fixture
def admin():
    """A plain autocommit connection to the test database."""
    require_postgres()
    connection = psycopg.connect(POSTGRES_DSN, autocommit=True)
    yield connection
    connection.close()


@pytest.fixture
def table(admin):
    """A fresh table name; the table is dropped after the test."""
    name = f"agentcharts_test_{uuid.uuid4().hex[:16]}"
    yield name
    admin.execute(f"DROP TABLE IF EXISTS {name}, {name}_entries")


@pytest.fixture
def store(table):
    opened = open_postgres(table)
    yield opened
    opened.close()


def table_exists(admin, name):
    return admin.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestSchema:
    def test_table_layout(self, store, admin, table):
        """The table has the documented columns, types, nullability and primary key."""
        store.migrate()
        columns = admin.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        assert [
            ("session_id", "text", "NO"),
            ("version", "bigint", "NO"),
            ("document", "bytea", "NO"),
            ("sha256", "text", "NO"),
            ("updated_at", "timestamp with time zone", "NO"),
        ] == columns
        [key] = admin.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary",
            (table,),
        ).fetchall()
        assert ("session_id",) == key
        assert "agentcharts_sessions" == DEFAULT_TABLE

    def test_row_holds_bytes_checksum_and_time(self, store, admin, table):
        """A row holds the document's UTF-8 bytes, their SHA-256 and a UTC timestamp."""
        text = '{"a": "caf\u00e9"}'
        store.save("s1", text, expected_version=None)
        query = sql.SQL("SELECT version, document, sha256, updated_at FROM {}")
        [(version, data, sha256, updated_at)] = admin.execute(
            query.format(sql.Identifier(table))
        ).fetchall()
        assert (1, text.encode()) == (version, bytes(data))
        assert hashlib.sha256(text.encode()).hexdigest() == sha256
        assert store.load("s1").updated_at == updated_at.astimezone(UTC)

    def test_created_on_first_use_or_by_migrate(self, admin, table):
        """Building a store touches nothing; the first call (or migrate) creates the table."""
        first = open_postgres(table)
        assert not table_exists(admin, table)
        assert not first.exists("s1")
        assert table_exists(admin, table)
        first.save("s1", "{}", expected_version=None)
        second = open_postgres(table)
        second.migrate()
        second.migrate()
        assert "{}" == second.load("s1").document  # migrating again keeps the rows
        first.close()
        second.close()

    def test_concurrent_first_use(self, table):
        """Stores that first touch a missing table at the same moment all succeed."""
        stores = [open_postgres(table) for _ in range(6)]
        barrier = threading.Barrier(len(stores))
        errors = []

        def first_use(index):
            barrier.wait()
            try:
                stores[index].save(f"s{index}", "{}", expected_version=None)
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=first_use, args=(i,)) for i in range(len(stores))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert [] == errors
        assert [f"s{i}" for i in range(6)] == [i.session_id for i in stores[0].list_sessions()]
        for opened in stores:
            opened.close()

    def test_schema_qualified_table(self, admin):
        """A ``schema.table`` name puts the table in that schema."""
        schema = f"agentcharts_test_{uuid.uuid4().hex[:12]}"
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            with PostgresSessionStore(POSTGRES_DSN, table=f"{schema}.sessions") as store:
                store.save("s1", "[]", expected_version=None)
                assert table_exists(admin, f"{schema}.sessions")
                assert "sessions" == store.table.split(".")[1]
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")

    def test_greatest_keeps_time_moving_forward(self, store, admin, table):
        """An update never moves ``updated_at`` back, even when a host's clock lags."""
        store.save("s1", "{}", expected_version=None)
        query = sql.SQL("UPDATE {} SET updated_at = now() + interval '1 hour'")
        admin.execute(query.format(sql.Identifier(table)))
        later = store.load("s1").updated_at
        store.save("s1", "[]", expected_version=1)
        assert later == store.load("s1").updated_at


OLD_SCHEMA = """
CREATE TABLE {} (
    session_id text PRIMARY KEY,
    version bigint NOT NULL,
    document bytea NOT NULL,
    sha256 text NOT NULL,
    updated_at timestamptz NOT NULL
)
"""
"""The one table of the store before the journal, as that code created it."""


def run(admin, statement, *names, params=()):
    """Run a statement with table names filled in as quoted identifiers."""
    query = sql.SQL(statement).format(*(sql.Identifier(name) for name in names))
    return admin.execute(query, params)


class TestJournal:
    def test_entries_table_layout(self, store, admin, table):
        """The entries table is named after the table, with a (session_id, version) key."""
        store.migrate()
        entries = f"{table}_entries"
        columns = admin.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            (entries,),
        ).fetchall()
        assert [
            ("session_id", "text", "NO"),
            ("version", "bigint", "NO"),
            ("entry", "bytea", "NO"),
            ("sha256", "text", "NO"),
        ] == columns
        key = admin.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
            "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY a.attnum",
            (entries,),
        ).fetchall()
        assert [("session_id",), ("version",)] == key

    def test_entry_rows_hold_bytes_checksum_and_version(self, store, admin, table):
        """Each appended entry is one row: its UTF-8 bytes, their SHA-256 and its version."""
        store.save("s1", "{}", expected_version=None)
        texts = ['{"n": 1}', '{"n": "caf\u00e9"}']
        assert 3 == store.append("s1", texts, expected_version=1)
        rows = run(
            admin,
            "SELECT session_id, version, entry, sha256 FROM {} ORDER BY version",
            f"{table}_entries",
        ).fetchall()
        assert [
            ("s1", number, text.encode(), hashlib.sha256(text.encode()).hexdigest())
            for number, text in zip((2, 3), texts, strict=True)
        ] == [(sid, version, bytes(data), digest) for sid, version, data, digest in rows]
        assert [(3,)] == run(admin, "SELECT version FROM {}", table).fetchall()

    @pytest.mark.parametrize("first", ["load", "migrate"])
    def test_a_table_from_before_the_journal_gains_the_entries_table(self, admin, table, first):
        """A table made by the old code is kept; the first use or migrate adds the entries."""
        run(admin, OLD_SCHEMA, table)
        digest = hashlib.sha256(b'{"old": true}').hexdigest()
        run(
            admin,
            "INSERT INTO {} VALUES ('s1', 4, %s, %s, now())",
            table,
            params=(b'{"old": true}', digest),
        )
        with open_postgres(table) as store:
            assert not table_exists(admin, f"{table}_entries")
            if first == "migrate":
                store.migrate()
                assert table_exists(admin, f"{table}_entries")
            loaded = store.load("s1")
            assert ('{"old": true}', 4, 4, ()) == (
                loaded.document,
                loaded.version,
                loaded.snapshot_version,
                loaded.entries,
            )
            assert table_exists(admin, f"{table}_entries")
            assert 5 == store.append("s1", ['{"n": 1}'], expected_version=4)
            assert ('{"n": 1}',) == store.load("s1").entries

    def test_a_garbled_entry_is_corrupt(self, store, admin, table):
        """An entry whose bytes no longer match its checksum makes the session corrupt."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", ['{"n": 1}', '{"n": 2}'], expected_version=1)
        run(
            admin,
            "UPDATE {} SET sha256 = %s WHERE version = 3",
            f"{table}_entries",
            params=("0" * 64,),
        )
        with pytest.raises(CorruptSessionError, match="entry 3") as caught:
            store.load("s1")
        assert "s1" == caught.value.session_id
        run(
            admin,
            "UPDATE {} SET sha256 = 'x', entry = %s WHERE version = 2",
            f"{table}_entries",
            params=(b"{",),
        )
        with pytest.raises(CorruptSessionError, match="entry 2"):
            store.load("s1")

    @pytest.mark.parametrize(
        ("edit", "target"),
        [
            ("DELETE FROM {} WHERE version = 3", "entries"),
            ("UPDATE {} SET version = 7 WHERE version = 4", "entries"),
            ("UPDATE {} SET version = 5", "sessions"),
            ("UPDATE {} SET version = 3", "sessions"),
        ],
        ids=["gap", "renumbered", "version-ahead", "version-behind"],
    )
    def test_entry_versions_that_do_not_follow_the_snapshot_are_corrupt(
        self, store, admin, table, edit, target
    ):
        """The entries must be exactly the versions after the snapshot, without a gap."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", ['{"n": 1}', '{"n": 2}', '{"n": 3}'], expected_version=1)
        run(admin, edit, table if target == "sessions" else f"{table}_entries")
        with pytest.raises(CorruptSessionError, match="versions") as caught:
            store.load("s1")
        assert "s1" == caught.value.session_id

    def test_a_failed_append_writes_nothing(self, store, admin, table):
        """An append whose entry rows cannot be inserted leaves the row as it was."""
        store.save("s1", "{}", expected_version=None)
        digest = hashlib.sha256(b"{}").hexdigest()
        run(
            admin,
            "INSERT INTO {} VALUES ('s1', 3, '{{}}', %s)",
            f"{table}_entries",
            params=(digest,),
        )
        with pytest.raises(StoreUnavailableError, match="duplicate key"):
            store.append("s1", ['{"n": 1}', '{"n": 2}'], expected_version=1)
        assert [(1,)] == run(admin, "SELECT version FROM {}", table).fetchall()
        store.save("s1", "[]", expected_version=1)  # a save empties the journal
        assert 4 == store.append("s1", ['{"n": 1}', '{"n": 2}'], expected_version=2)

    def test_a_conflict_keeps_the_pooled_connection(self, store):
        """A lost compare-and-set is an answer, not a failure: the connection is reused."""
        store.save("s1", "{}", expected_version=None)
        [(pooled, _)] = store._idle
        with pytest.raises(SessionConflictError):
            store.append("s1", ["{}"], expected_version=7)
        assert [pooled] == [connection for connection, _ in store._idle]

    def test_a_delete_waiting_on_an_append_removes_its_entries(self, store, admin, table):
        """A delete blocked by an append's row lock also removes the entries it committed."""
        store.save("s1", "{}", expected_version=None)
        appender = psycopg.connect(POSTGRES_DSN)
        try:
            run(appender, "UPDATE {} SET version = 2 WHERE session_id = 's1'", table)
            digest = hashlib.sha256(b"{}").hexdigest()
            run(
                appender,
                "INSERT INTO {} VALUES ('s1', 2, '{{}}', %s)",
                f"{table}_entries",
                params=(digest,),
            )
            deleter = threading.Thread(target=store.delete, args=("s1",))
            deleter.start()
            time.sleep(0.3)  # the delete waits for the appender's row lock
            assert deleter.is_alive()
            appender.commit()
            deleter.join(30)
        finally:
            appender.close()
        assert not store.exists("s1")
        assert [] == run(admin, "SELECT * FROM {}", f"{table}_entries").fetchall()

    def test_statement_timeout_on_append(self, store, table):
        """An append stuck behind another transaction's row lock times out as a typed error."""
        store.save("s1", "{}", expected_version=None)
        quick = PostgresSessionStore(POSTGRES_DSN, table=table, statement_timeout=0.3)
        locker = psycopg.connect(POSTGRES_DSN)
        try:
            run(locker, "SELECT 1 FROM {} WHERE session_id = 's1' FOR UPDATE", table)
            with pytest.raises(StoreUnavailableError, match="statement timeout"):
                quick.append("s1", ["{}"], expected_version=1)
        finally:
            locker.rollback()
            locker.close()
        assert 2 == quick.append("s1", ["{}"], expected_version=1)
        assert ("{}",) == quick.load("s1").entries
        quick.close()


class TestSettings:
    @pytest.mark.parametrize(
        "bad",
        [
            "Sessions",
            "a-b",
            "1abc",
            "a.b.c",
            "",
            "x" * 64,
            "x" * 56,
            "drop table x;",
            None,
            ".x",
            "s." + "x" * 56,
        ],
    )
    def test_bad_table_names_are_refused(self, bad):
        """Table names must be lowercase SQL names, optionally schema-qualified."""
        with pytest.raises(InvalidSettingError) as caught:
            PostgresSessionStore(POSTGRES_DSN, table=bad)
        assert "table" == caught.value.setting

    def test_longest_table_names_leave_room_for_the_entries_table(self):
        """A table name may have 55 characters (a schema 63): ``<table>_entries`` fits in 63."""
        store = PostgresSessionStore(POSTGRES_DSN, table=f"{'s' * 63}.{'t' * 55}")
        assert f"{'s' * 63}.{'t' * 55}_entries" == store._sql.entries

    @pytest.mark.parametrize(
        ("setting", "value"),
        [
            ("connect_timeout", 0),
            ("connect_timeout", -1),
            ("connect_timeout", "5"),
            ("connect_timeout", True),
            ("statement_timeout", 0),
            ("statement_timeout", float("nan")),
            ("statement_timeout", float("inf")),
        ],
    )
    def test_bad_timeouts_are_refused(self, setting, value):
        """Timeouts must be positive, finite numbers of seconds (or None for the statement)."""
        with pytest.raises(InvalidSettingError) as caught:
            PostgresSessionStore(POSTGRES_DSN, **{setting: value})
        assert setting == caught.value.setting

    @pytest.mark.parametrize("bad", ["", "   ", None, 5, "host='unterminated"])
    def test_bad_dsns_are_refused(self, bad):
        """A DSN that is not a connection string or URL is refused before connecting."""
        with pytest.raises(InvalidSettingError) as caught:
            PostgresSessionStore(bad)
        assert "dsn" == caught.value.setting

    def test_repr_hides_the_password(self):
        """The repr names user, host, port, database and table, never the password."""
        store = PostgresSessionStore("postgresql://app:s3cret@db.example:6543/prod")
        assert (
            "PostgresSessionStore('app@db.example:6543/prod', table='agentcharts_sessions')"
            == repr(store)
        )

    def test_missing_psycopg(self, monkeypatch):
        """Without psycopg 3, building the store names the extra to install."""
        monkeypatch.setitem(sys.modules, "psycopg", None)
        with pytest.raises(DefinitionError, match=r"agentcharts\[postgres\]"):
            PostgresSessionStore(POSTGRES_DSN)


class TestUnavailable:
    def test_unreachable_server(self):
        """Every call to a port with nothing listening raises StoreUnavailableError."""
        store = PostgresSessionStore(f"postgresql://postgres@127.0.0.1:{free_port()}/test")
        calls = [
            store.migrate,
            lambda: store.load("s1"),
            lambda: store.save("s1", "{}", expected_version=None),
            lambda: store.append("s1", ["{}"], expected_version=1),
            lambda: store.compact("s1", "{}", version=1),
            lambda: store.delete("s1"),
            store.list_sessions,
            lambda: store.exists("s1"),
        ]
        for call in calls:
            with pytest.raises(StoreUnavailableError, match=r"127\.0\.0\.1") as caught:
                call()
            assert isinstance(caught.value.__cause__, psycopg.OperationalError)

    def test_statement_timeout(self, store, table):
        """A write stuck behind another transaction's row lock times out as a typed error."""
        store.save("s1", "{}", expected_version=None)
        quick = PostgresSessionStore(POSTGRES_DSN, table=table, statement_timeout=0.3)
        locker = psycopg.connect(POSTGRES_DSN)
        try:
            query = sql.SQL("SELECT 1 FROM {} WHERE session_id = 's1' FOR UPDATE")
            locker.execute(query.format(sql.Identifier(table)))
            started = time.monotonic()
            with pytest.raises(StoreUnavailableError, match="statement timeout"):
                quick.save("s1", "[]", expected_version=1)
            assert time.monotonic() - started < 10
        finally:
            locker.rollback()
            locker.close()
        assert 2 == quick.save("s1", "[]", expected_version=1)
        quick.close()

    def test_connections_killed_by_the_server(self, store, admin):
        """Pooled connections the server closed are replaced; the store keeps working."""
        store.save("s1", "{}", expected_version=None)
        pids = [connection.info.backend_pid for connection, _ in store._idle]
        assert pids
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        time.sleep(1.1)  # idle long enough to be checked before reuse
        assert 2 == store.save("s1", "[]", expected_version=1)
        with pytest.raises(SessionConflictError):
            store.save("s1", "[]", expected_version=1)

    def test_closed_store(self, table):
        """A closed store raises StoreUnavailableError; ``with`` closes it."""
        with open_postgres(table) as store:
            store.save("s1", "{}", expected_version=None)
        with pytest.raises(StoreUnavailableError, match="closed"):
            store.load("s1")
