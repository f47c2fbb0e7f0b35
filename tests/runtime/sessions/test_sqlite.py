"""Tests for `agentcharts.runtime.sessions.sqlite`: schema, journal, pooling, closing, locking."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import warnings
from datetime import datetime

import pytest

from agentcharts.exceptions import (
    CorruptSessionError,
    InvalidSessionIdError,
    InvalidSettingError,
    SessionConflictError,
    StoreUnavailableError,
)
from agentcharts.runtime.sessions import SQLiteSessionStore
from agentcharts.runtime.sessions.sqlite import ENTRIES_TABLE, TABLE

OLD_SCHEMA = """
CREATE TABLE agentcharts_sessions (
    session_id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""
"""The one table of the store before the journal, as that code created it."""


@pytest.fixture
def store(tmp_path):
    opened = SQLiteSessionStore(tmp_path / "sessions.db")
    yield opened
    opened.close()


def query(store, sql, *params):
    with sqlite3.connect(store.path) as connection:
        rows = connection.execute(sql, params).fetchall()
    connection.close()
    return rows


class TestSchema:
    def test_table_layout(self, store):
        """The table has the documented columns, types and primary key."""
        columns = query(store, "PRAGMA table_info(agentcharts_sessions)")
        assert [
            ("session_id", "TEXT", 1, 1),
            ("version", "INTEGER", 1, 0),
            ("document", "TEXT", 1, 0),
            ("sha256", "TEXT", 1, 0),
            ("updated_at", "TEXT", 1, 0),
        ] == [(name, kind, notnull, pk) for _, name, kind, notnull, _, pk in columns]
        assert "agentcharts_sessions" == TABLE

    def test_wal_mode(self, store):
        """The database runs in WAL mode."""
        assert [("wal",)] == query(store, "PRAGMA journal_mode")

    def test_row_holds_text_checksum_and_time(self, store):
        """A saved row holds the document as text, its SHA-256 and an ISO 8601 UTC time."""
        store.save("s1", '{"a": "\u00e9"}', expected_version=None)
        store.save("s1", '{"a": "b"}', expected_version=1)
        [(version, document, kind, sha256, updated_at)] = query(
            store,
            "SELECT version, document, typeof(document), sha256, updated_at FROM agentcharts_sessions",
        )
        assert (2, '{"a": "b"}', "text") == (version, document, kind)
        assert hashlib.sha256(b'{"a": "b"}').hexdigest() == sha256
        assert store.load("s1").updated_at == datetime.fromisoformat(updated_at)

    def test_shares_a_database_with_other_tables(self, tmp_path):
        """The store adds its table to an existing database and leaves the rest alone."""
        path = tmp_path / "app.db"
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE users (name TEXT)")
            connection.execute("INSERT INTO users VALUES ('ada')")
        connection.close()
        with SQLiteSessionStore(path) as store:
            store.save("s1", "{}", expected_version=None)
            assert [("ada",)] == query(store, "SELECT name FROM users")

    def test_parent_directories_are_created(self, tmp_path):
        """The database's parent directories are created."""
        with SQLiteSessionStore(tmp_path / "a" / "b" / "s.db") as store:
            assert (tmp_path / "a" / "b" / "s.db").is_file()
            assert f"SQLiteSessionStore({str(store.path)!r})" == repr(store)

    def test_rows_with_invalid_ids_are_skipped(self, store):
        """Rows written behind the store's back with ids that break the rule are not listed."""
        store.save("good", "{}", expected_version=None)
        digest = hashlib.sha256(b"{}").hexdigest()
        for bad in ("../x", "", "a/b"):
            with sqlite3.connect(store.path) as connection:
                connection.execute(
                    "INSERT INTO agentcharts_sessions VALUES (?, 1, '{}', ?, '2026-01-01T00:00:00+00:00')",
                    (bad, digest),
                )
            connection.close()
        assert ["good"] == [info.session_id for info in store.list_sessions()]
        with pytest.raises(InvalidSessionIdError):
            store.load("../x")

    def test_unreadable_version_stops_listing_and_writes(self, store):
        """A row with a bad version is corrupt for listing and versioned writes too."""
        store.save("s1", "{}", expected_version=None)
        query(store, "UPDATE agentcharts_sessions SET version = 'three'")
        with pytest.raises(CorruptSessionError, match="'three'"):
            store.list_sessions()
        with pytest.raises(CorruptSessionError):
            store.save("s1", "{}", expected_version=1)
        with pytest.raises(CorruptSessionError):
            store.save("s1", "{}", expected_version=None)
        with pytest.raises(CorruptSessionError):
            store.delete("s1", expected_version=1)


class TestJournal:
    def test_entries_table_layout(self, store):
        """The entries table has the documented columns and a (session_id, version) key."""
        columns = query(store, "PRAGMA table_info(agentcharts_session_entries)")
        assert [
            ("session_id", "TEXT", 1, 1),
            ("version", "INTEGER", 1, 2),
            ("entry", "TEXT", 1, 0),
            ("sha256", "TEXT", 1, 0),
        ] == [(name, kind, notnull, pk) for _, name, kind, notnull, _, pk in columns]
        assert "agentcharts_session_entries" == ENTRIES_TABLE

    def test_entry_rows_hold_text_checksum_and_version(self, store):
        """Each appended entry is one row: its text, its SHA-256 and the version it made."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", ['{"n": 1}', '{"n": "\u00e9"}'], expected_version=1)
        rows = query(
            store,
            "SELECT session_id, version, entry, typeof(entry), sha256 "
            "FROM agentcharts_session_entries ORDER BY version",
        )
        assert [
            ("s1", 2, '{"n": 1}', "text", hashlib.sha256(b'{"n": 1}').hexdigest()),
            (
                "s1",
                3,
                '{"n": "\u00e9"}',
                "text",
                hashlib.sha256('{"n": "\u00e9"}'.encode()).hexdigest(),
            ),
        ] == rows
        assert [(3,)] == query(store, "SELECT version FROM agentcharts_sessions")

    def test_a_database_from_before_the_journal_gains_the_entries_table(self, tmp_path):
        """A file with only the old sessions table opens, keeps its rows and takes entries."""
        path = tmp_path / "old.db"
        digest = hashlib.sha256(b'{"old": true}').hexdigest()
        with sqlite3.connect(path) as connection:
            connection.execute(OLD_SCHEMA)
            connection.execute(
                "INSERT INTO agentcharts_sessions VALUES "
                "('s1', 4, '{\"old\": true}', ?, '2026-01-01T00:00:00+00:00')",
                (digest,),
            )
        connection.close()
        with SQLiteSessionStore(path) as store:
            tables = query(store, "SELECT name FROM sqlite_master WHERE type = 'table'")
            assert {("agentcharts_sessions",), ("agentcharts_session_entries",)} == set(tables)
            loaded = store.load("s1")
            assert ('{"old": true}', 4, 4, ()) == (
                loaded.document,
                loaded.version,
                loaded.snapshot_version,
                loaded.entries,
            )
            assert 5 == store.append("s1", ['{"n": 1}'], expected_version=4)
            assert ('{"n": 1}',) == store.load("s1").entries

    def test_a_garbled_entry_is_corrupt(self, store):
        """An entry whose bytes no longer match its checksum makes the session corrupt."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", ['{"n": 1}', '{"n": 2}'], expected_version=1)
        query(
            store, "UPDATE agentcharts_session_entries SET sha256 = ? WHERE version = 3", "0" * 64
        )
        with pytest.raises(CorruptSessionError, match="entry 3") as caught:
            store.load("s1")
        assert "s1" == caught.value.session_id

    @pytest.mark.parametrize(
        ("edit", "params"),
        [
            ("DELETE FROM agentcharts_session_entries WHERE version = 3", ()),
            ("UPDATE agentcharts_session_entries SET version = 7 WHERE version = 4", ()),
            ("UPDATE agentcharts_session_entries SET version = 'two' WHERE version = 2", ()),
            (
                "INSERT INTO agentcharts_session_entries VALUES ('s1', 1, '{}', ?)",
                (hashlib.sha256(b"{}").hexdigest(),),
            ),
            ("UPDATE agentcharts_sessions SET version = 5", ()),
        ],
        ids=["gap", "renumbered", "text-version", "entry-at-the-snapshot", "version-ahead"],
    )
    def test_entry_versions_that_do_not_follow_the_snapshot_are_corrupt(self, store, edit, params):
        """The entries must be exactly the versions after the snapshot, without a gap."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", ['{"n": 1}', '{"n": 2}', '{"n": 3}'], expected_version=1)
        query(store, edit, *params)
        with pytest.raises(CorruptSessionError, match="versions") as caught:
            store.load("s1")
        assert "s1" == caught.value.session_id

    def test_a_failed_append_writes_nothing_and_frees_the_connection(self, store):
        """An append that fails half-way is rolled back whole; the store keeps working."""
        store.save("s1", "{}", expected_version=None)
        digest = hashlib.sha256(b"{}").hexdigest()
        query(store, "INSERT INTO agentcharts_session_entries VALUES ('s1', 3, '{}', ?)", digest)
        with pytest.raises(StoreUnavailableError, match="UNIQUE"):
            store.append("s1", ['{"n": 1}', '{"n": 2}'], expected_version=1)
        assert [(1,)] == query(store, "SELECT version FROM agentcharts_sessions")
        assert [(3,)] == query(store, "SELECT version FROM agentcharts_session_entries")
        assert all(not connection.in_transaction for connection in store._idle)
        store.save("s1", "[]", expected_version=1)  # a save empties the journal
        assert 4 == store.append("s1", ['{"n": 1}', '{"n": 2}'], expected_version=2)

    def test_writes_to_an_unreadable_version_are_corrupt(self, store):
        """A row with a bad version is corrupt for appends and compactions too."""
        store.save("s1", "{}", expected_version=None)
        query(store, "UPDATE agentcharts_sessions SET version = 'three'")
        with pytest.raises(CorruptSessionError):
            store.append("s1", ["{}"], expected_version=1)
        with pytest.raises(CorruptSessionError):
            store.compact("s1", "{}", version=1)

    def test_a_locked_database_times_out_appends(self, tmp_path):
        """An append that waits past the busy timeout raises StoreUnavailableError."""
        store = SQLiteSessionStore(tmp_path / "s.db", timeout=0.05)
        store.save("s1", "{}", expected_version=None)
        blocker = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            with pytest.raises(StoreUnavailableError, match="locked"):
                store.append("s1", ["{}"], expected_version=1)
            blocker.execute("ROLLBACK")
            assert 2 == store.append("s1", ["{}"], expected_version=1)
            with pytest.raises(SessionConflictError):
                store.append("s1", ["{}"], expected_version=1)
        finally:
            blocker.close()
            store.close()


class TestLifecycle:
    def test_closed_store_refuses_work(self, tmp_path):
        """After close, every call raises StoreUnavailableError; closing twice is fine."""
        store = SQLiteSessionStore(tmp_path / "s.db")
        store.save("s1", "{}", expected_version=None)
        store.close()
        store.close()
        for call in (
            lambda: store.load("s1"),
            lambda: store.save("s1", "{}", expected_version=1),
            lambda: store.append("s1", ["{}"], expected_version=1),
            lambda: store.compact("s1", "{}", version=1),
            lambda: store.delete("s1"),
            store.list_sessions,
            lambda: store.exists("s1"),
        ):
            with pytest.raises(StoreUnavailableError, match="is closed"):
                call()

    def test_with_block_closes(self, tmp_path):
        """A ``with`` block closes the store; the data stays in the file."""
        with SQLiteSessionStore(tmp_path / "s.db") as store:
            store.save("s1", "{}", expected_version=None)
        with pytest.raises(StoreUnavailableError):
            store.exists("s1")
        with SQLiteSessionStore(tmp_path / "s.db") as reopened:
            assert 1 == reopened.load("s1").version

    @pytest.mark.parametrize("path", ["", ":memory:"])
    def test_in_memory_paths_refused(self, path):
        """An in-memory database would differ per connection, so it is refused."""
        with pytest.raises(InvalidSettingError, match="path must be a database file path"):
            SQLiteSessionStore(path)

    @pytest.mark.parametrize("timeout", [0, -1, True, "5"], ids=repr)
    def test_bad_timeout_refused(self, tmp_path, timeout):
        """The busy timeout must be a positive number of seconds."""
        with pytest.raises(InvalidSettingError, match="timeout must be a positive number"):
            SQLiteSessionStore(tmp_path / "s.db", timeout=timeout)

    def test_not_a_database(self, tmp_path):
        """A file that is not a SQLite database makes the store unavailable."""
        path = tmp_path / "s.db"
        path.write_bytes(b"this is not a database, just some text" * 100)
        with pytest.raises(StoreUnavailableError, match="not a database"):
            SQLiteSessionStore(path)


class TestConcurrency:
    def test_locked_database_times_out(self, tmp_path):
        """A write that waits past the busy timeout raises StoreUnavailableError."""
        store = SQLiteSessionStore(tmp_path / "s.db", timeout=0.05)
        blocker = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
        try:
            blocker.execute("BEGIN EXCLUSIVE")
            with pytest.raises(StoreUnavailableError, match="locked"):
                store.save("s1", "{}", expected_version=None)
            blocker.execute("ROLLBACK")
            assert 1 == store.save("s1", "{}", expected_version=None)
        finally:
            blocker.close()
            store.close()

    def test_connection_pool_is_bounded(self, store):
        """Many threads share pooled connections; at most 8 stay open when idle."""
        barrier = threading.Barrier(12)

        def work(index):
            barrier.wait(timeout=30)
            store.save(f"s{index}", "{}", expected_version=None)
            store.load(f"s{index}")

        threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert 12 == len(store.list_sessions())
        assert 1 <= len(store._idle) <= 8

    def test_forked_child_opens_its_own_connections(self, store):
        """A child forked after the store was used never touches its parent's connections."""
        store.save("parent", "{}", expected_version=None)
        inherited = list(store._idle)
        assert inherited
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12+
            pid = os.fork()
        if pid == 0:  # the child: report through the exit code only
            code = 1
            try:
                store.save("child", "{}", expected_version=None)
                fresh = all(c is not p for c in store._idle for p in inherited)
                code = 0 if fresh and store.exists("parent") else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert 0 == os.waitstatus_to_exitcode(status)
        assert 1 == store.load("child").version
        assert inherited == store._idle
