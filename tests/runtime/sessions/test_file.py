"""Tests for `agentcharts.runtime.sessions.file`: the layout, temp files, locks, crashes."""

from __future__ import annotations

import hashlib
import json
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from datetime import datetime

import pytest

from agentcharts.exceptions import CorruptSessionError, SessionConflictError, SessionNotFoundError
from agentcharts.runtime.sessions import FileSessionStore


@pytest.fixture
def store(tmp_path):
    return FileSessionStore(tmp_path / "sessions")


def names(store):
    return sorted(path.name for path in store.directory.iterdir())


class TestLayout:
    def test_directory_is_created_with_parents(self, tmp_path):
        """The store creates its directory, parents included."""
        store = FileSessionStore(tmp_path / "a" / "b")
        assert (tmp_path / "a" / "b").is_dir()
        assert tmp_path / "a" / "b" == store.directory
        assert f"FileSessionStore({str(tmp_path / 'a' / 'b')!r})" == repr(store)

    def test_session_file_holds_header_and_document(self, store):
        """``<id>.session`` is a JSON header line followed by the exact document bytes."""
        document = '{"text": "caf\u00e9"}'
        store.save("s1", "{}", expected_version=None)
        store.save("s1", document, expected_version=1)
        raw = (store.directory / "s1.session").read_bytes()
        line, _, body = raw.partition(b"\n")
        header = json.loads(line)
        data = document.encode()
        assert data == body
        assert {
            "format": "agentcharts.session-file",
            "layout": 1,
            "session_id": "s1",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "version": 2,
        } == {k: v for k, v in header.items() if k != "updated_at"}
        assert store.load("s1").updated_at == datetime.fromisoformat(header["updated_at"])

    def test_only_the_session_and_its_lock_remain(self, store):
        """After saves, the directory holds the session file and its lock file, nothing else."""
        for version in range(5):
            store.save("s1", "{}", expected_version=version)
        assert ["s1.lock", "s1.session"] == names(store)

    def test_files_are_private(self, store):
        """Session and lock files are readable by their owner only."""
        store.save("s1", "{}", expected_version=None)
        for name in ("s1.session", "s1.lock"):
            assert 0 == stat.S_IMODE((store.directory / name).stat().st_mode) & 0o077

    def test_delete_removes_the_lock_file(self, store):
        """A deleted session leaves no file behind."""
        store.save("s1", "{}", expected_version=None)
        store.delete("s1")
        assert [] == names(store)

    def test_failed_writes_leave_no_lock_file(self, store):
        """A conflict or a miss on an absent session leaves no lock file behind."""
        with pytest.raises(SessionConflictError):
            store.save("s1", "{}", expected_version=2)
        with pytest.raises(SessionNotFoundError):
            store.delete("s1")
        assert [] == names(store)


class TestTemporaryFiles:
    def test_fixed_tmp_names_are_never_used(self, store):
        """Files with the fixed temporary names other stores use are left alone."""
        for name in ("s1.tmp", "s1.session.tmp", "s1.json.tmp"):
            (store.directory / name).write_text("someone else's")
        for version in range(3):
            store.save("s1", json.dumps({"v": version}), expected_version=version)
        for name in ("s1.tmp", "s1.session.tmp", "s1.json.tmp"):
            assert "someone else's" == (store.directory / name).read_text()

    def test_leftovers_are_ignored_and_cleaned(self, store):
        """A crashed writer's temp file and lock file are ignored, then removed by cleanup."""
        store.save("s1", '{"kept": true}', expected_version=None)
        (store.directory / "s1.0123456789abcdef.tmp").write_bytes(b'{"format": "agentch')
        (store.directory / "gone.fedcba9876543210.tmp").write_bytes(b"")
        (store.directory / "gone.lock").write_bytes(b"")
        assert ["s1"] == [info.session_id for info in store.list_sessions()]
        assert '{"kept": true}' == store.load("s1").document
        assert not store.exists("gone")
        assert 3 == store.cleanup()
        assert ["s1.lock", "s1.session"] == names(store)
        assert 2 == store.save("s1", "{}", expected_version=1)

    def test_cleanup_leaves_foreign_files(self, store):
        """cleanup removes only names the store writes."""
        foreign = ["notes.txt", "x.tmp", "s1.123.tmp", ".hidden.lock", "a..b.lock"]
        for name in foreign:
            (store.directory / name).write_text("mine")
        assert 0 == store.cleanup()
        assert sorted(foreign) == names(store)

    def test_foreign_files_are_not_listed(self, store):
        """Only ``<valid id>.session`` files are sessions."""
        (store.directory / "README").write_text("hello")
        (store.directory / ".hidden.session").write_text("x")
        (store.directory / "bad..id.session").write_text("x")
        (store.directory / "dir.session").mkdir()
        store.save("s1", "{}", expected_version=None)
        assert ["s1"] == [info.session_id for info in store.list_sessions()]


HOLD_LOCK = textwrap.dedent(
    """
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("locked", flush=True)
    time.sleep(60)
    """
)


class TestLocking:
    def test_lock_held_by_another_process_blocks_writers_until_it_dies(self, store):
        """A save waits for another process's flock, and proceeds once that process is killed."""
        store.save("s1", "{}", expected_version=None)
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(store.directory / "s1.lock")],
            stdout=subprocess.PIPE,
            text=True,
        )
        results = []
        try:
            assert "locked\n" == holder.stdout.readline()
            writer = threading.Thread(
                target=lambda: results.append(store.save("s1", "[]", expected_version=1))
            )
            writer.start()
            writer.join(timeout=0.3)
            assert [] == results
            assert "{}" == store.load("s1").document  # readers never wait
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.communicate(timeout=30)
        writer.join(timeout=30)
        assert [2] == results


class TestCorruptFiles:
    def test_whole_file_pickle_is_not_unpickled(self, store, tmp_path):
        """A session file replaced by a pickle is corrupt, and the pickle never runs."""
        marker = tmp_path / "unpickled"
        store.save("s1", "{}", expected_version=None)
        payload = b"cbuiltins\nopen\n(V" + str(marker).encode() + b"\nVw\ntR."
        (store.directory / "s1.session").write_bytes(payload)
        with pytest.raises(CorruptSessionError, match="not an agentcharts session file"):
            store.load("s1")
        assert not marker.exists()

    def test_copied_file_is_refused(self, store):
        """A session file copied under another id is refused: its header names its session."""
        store.save("s1", "{}", expected_version=None)
        (store.directory / "s2.session").write_bytes((store.directory / "s1.session").read_bytes())
        with pytest.raises(CorruptSessionError, match="belongs to session 's1'"):
            store.load("s2")

    def test_torn_file_is_reported(self, store):
        """A file cut short names the byte counts."""
        store.save("s1", '{"a": "bcdef"}', expected_version=None)
        path = store.directory / "s1.session"
        path.write_bytes(path.read_bytes()[:-4])
        with pytest.raises(CorruptSessionError, match="10 bytes, its header says 14"):
            store.load("s1")

    def test_unreadable_header_stops_versioned_writes_and_listing(self, store):
        """With an unreadable header, save, versioned delete and listing raise; delete works."""
        store.save("s1", "{}", expected_version=None)
        (store.directory / "s1.session").write_bytes(b"garbage")
        with pytest.raises(CorruptSessionError):
            store.save("s1", "{}", expected_version=1)
        with pytest.raises(CorruptSessionError):
            store.save("s1", "{}", expected_version=None)
        with pytest.raises(CorruptSessionError):
            store.delete("s1", expected_version=1)
        with pytest.raises(CorruptSessionError):
            store.list_sessions()
        store.delete("s1")
        assert [] == store.list_sessions()

    def test_directory_in_place_of_a_session_file(self, store):
        """A directory named like a session file is a corrupt session, not a crash."""
        (store.directory / "s1.session").mkdir()
        assert store.exists("s1")
        with pytest.raises(CorruptSessionError, match="is a directory"):
            store.load("s1")
        with pytest.raises(CorruptSessionError, match="is a directory"):
            store.save("s1", "{}", expected_version=1)

    def test_overlong_header_is_corrupt(self, store):
        """A header line longer than the limit is refused without reading on."""
        store.save("s1", "{}", expected_version=None)
        (store.directory / "s1.session").write_bytes(b"{" + b" " * 5000 + b"}\n{}")
        with pytest.raises(CorruptSessionError, match="cut short or too long"):
            store.load("s1")
        with pytest.raises(CorruptSessionError, match="cut short or too long"):
            store.list_sessions()
