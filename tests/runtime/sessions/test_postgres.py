"""Tests for `agentcharts.runtime.sessions.postgres`: schema, settings, pooling, failures.

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
    admin.execute(f"DROP TABLE IF EXISTS {name}")


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


class TestSettings:
    @pytest.mark.parametrize(
        "bad", ["Sessions", "a-b", "1abc", "a.b.c", "", "x" * 64, "drop table x;", None, ".x"]
    )
    def test_bad_table_names_are_refused(self, bad):
        """Table names must be lowercase SQL names, optionally schema-qualified."""
        with pytest.raises(InvalidSettingError) as caught:
            PostgresSessionStore(POSTGRES_DSN, table=bad)
        assert "table" == caught.value.setting

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
