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


def entry(n: int) -> str:
    return json.dumps({"n": n})


def journal(store, session_id="s1"):
    return store.directory / f"{session_id}.journal"


class TestJournalLayout:
    def test_appends_go_to_a_private_journal_that_saves_and_deletes_remove(self, store):
        """``<id>.journal`` appears with the first append and goes with a save or a delete."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", [entry(1)], expected_version=1)
        assert ["s1.journal", "s1.lock", "s1.session"] == names(store)
        assert 0 == stat.S_IMODE(journal(store).stat().st_mode) & 0o077
        store.save("s1", "[]", expected_version=2)
        assert ["s1.lock", "s1.session"] == names(store)
        store.append("s1", [entry(2)], expected_version=3)
        store.delete("s1")
        assert [] == names(store)

    def test_records_are_framed_lines_after_a_header(self, store):
        """A header line names the session; each entry is ``header<TAB>bytes<LF>``."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", [entry(1), '{"text": "caf\u00e9"}'], expected_version=1)
        header, *records = journal(store).read_bytes().split(b"\n")[:-1]
        assert {
            "after": 1,
            "format": "agentcharts.session-journal",
            "layout": 1,
            "session_id": "s1",
        } == {k: v for k, v in json.loads(header).items() if k != "journal_id"}
        fields = [json.loads(record.partition(b"\t")[0]) for record in records]
        data = [record.partition(b"\t")[2] for record in records]
        assert [entry(1).encode(), '{"text": "caf\u00e9"}'.encode()] == data
        assert [(2, 2, 3), (3, 2, 3)] == [(f["v"], f["start"], f["end"]) for f in fields]
        assert [len(d) for d in data] == [f["n"] for f in fields]
        assert [hashlib.sha256(d).hexdigest() for d in data] == [f["sha256"] for f in fields]
        assert store.load("s1").updated_at == datetime.fromisoformat(fields[-1]["at"])

    def test_the_session_header_keeps_the_snapshot_version(self, store):
        """Appends leave the session file alone; a compaction writes the version it stands for."""
        store.save("s1", "{}", expected_version=None)
        before = (store.directory / "s1.session").read_bytes()
        store.append("s1", [entry(1), entry(2)], expected_version=1)
        assert before == (store.directory / "s1.session").read_bytes()
        store.compact("s1", '{"n": 2}', version=3)
        header = json.loads((store.directory / "s1.session").read_bytes().partition(b"\n")[0])
        assert (1, 3) == (header["layout"], header["version"])


LAYOUT_1_FILE = (
    b'{"format":"agentcharts.session-file","layout":1,"session_id":"old",'
    b'"sha256":"' + hashlib.sha256(b'{"from": "0.1"}').hexdigest().encode() + b'",'
    b'"size":15,"updated_at":"2026-01-31T12:00:00+00:00","version":3}\n'
    b'{"from": "0.1"}'
)


class TestJournalRecovery:
    def test_a_torn_last_batch_is_dropped_at_every_byte(self, tmp_path):
        """A journal cut anywhere inside its last batch loads as the session before it."""
        directory = tmp_path / "sessions"
        store = FileSessionStore(directory)
        store.save("s1", "{}", expected_version=None)
        store.append("s1", [entry(1), entry(2)], expected_version=1)
        kept = journal(store).stat().st_size
        store.append("s1", [entry(3), '{"x": "\u00e9\\n"}', entry(5)], expected_version=3)
        full = journal(store).read_bytes()
        for cut in range(kept, len(full)):
            journal(store).write_bytes(full[:cut])
            reader = FileSessionStore(directory)
            loaded = reader.load("s1")
            assert (3, (entry(1), entry(2))) == (loaded.version, loaded.entries), cut
            assert 3 == reader.list_sessions()[0].version
            assert 4 == reader.append("s1", [entry(6)], expected_version=3)
            assert (entry(1), entry(2), entry(6)) == FileSessionStore(directory).load("s1").entries
            assert 5 == store.append("s1", [entry(7)], expected_version=4)  # a stale cache

    def test_a_torn_first_write_leaves_the_snapshot_alone(self, store):
        """A journal cut inside its header or its first batch holds nothing."""
        store.save("s1", '{"a": 1}', expected_version=None)
        store.append("s1", [entry(1)], expected_version=1)
        full = journal(store).read_bytes()
        for cut in range(len(full)):
            journal(store).write_bytes(full[:cut])
            loaded = FileSessionStore(store.directory).load("s1")
            assert (1, (), '{"a": 1}') == (loaded.version, loaded.entries, loaded.document)
            assert 2 == FileSessionStore(store.directory).append(
                "s1", [entry(2)], expected_version=1
            )
            assert (entry(2),) == store.load("s1").entries

    def test_a_bad_checksum_in_the_last_batch_is_a_torn_write(self, store):
        """Damage inside the last batch drops that batch, and the next append replaces it."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", [entry(1)], expected_version=1)
        store.append("s1", [entry(2), entry(3)], expected_version=2)
        raw = journal(store).read_bytes()
        journal(store).write_bytes(raw.replace(b'{"n": 2}', b'{"n": 9}'))
        assert (2, (entry(1),)) == (store.load("s1").version, store.load("s1").entries)
        writer = FileSessionStore(store.directory)  # as after the torn writer's crash
        assert 3 == writer.append("s1", [entry(4)], expected_version=2)
        assert (entry(1), entry(4)) == store.load("s1").entries

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            (b'{"n": 1}', b'{"n": 9}'),  # an entry's bytes
            (b'"n":8,', b'"n":7,'),  # a record's length
            (b'"start":2', b'"start":x'),  # a record's header
            (b'{"n": 1}\n', b'{"n": 1} '),  # a record's newline
        ],
    )
    def test_damage_before_valid_records_is_corrupt(self, store, old, new):
        """A damaged record followed by whole ones of a later batch is corrupt, not torn."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", [entry(1)], expected_version=1)
        store.append("s1", [entry(2), entry(3)], expected_version=2)
        raw = journal(store).read_bytes()
        assert old in raw
        journal(store).write_bytes(raw.replace(old, new, 1))  # in the first batch
        with pytest.raises(CorruptSessionError, match="'s1'"):
            store.load("s1")
        with pytest.raises(CorruptSessionError):
            FileSessionStore(store.directory).append("s1", [entry(4)], expected_version=4)
        with pytest.raises(CorruptSessionError):
            store.list_sessions()
        store.delete("s1")
        assert not journal(store).exists()

    def test_a_gap_in_the_versions_is_corrupt(self, store):
        """Records that skip a version, or start past the snapshot, are corrupt."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", [entry(1)], expected_version=1)
        store.append("s1", [entry(2)], expected_version=2)
        raw = journal(store).read_bytes()
        journal(store).write_bytes(
            raw.replace(b'"end":3', b'"end":4')
            .replace(b'"start":3', b'"start":4')
            .replace(b'"v":3', b'"v":4')
        )
        with pytest.raises(CorruptSessionError, match="skips from version 2 to 4"):
            store.load("s1")
        header, _, records = raw.partition(b"\n")
        second = records.split(b"\n")[1] + b"\n"
        header = header.replace(b'"after":1', b'"after":2')
        journal(store).write_bytes(header + b"\n" + second)
        with pytest.raises(CorruptSessionError, match="starts at version 3"):
            store.load("s1")
        with pytest.raises(CorruptSessionError, match="starts at version 3"):
            FileSessionStore(store.directory).append("s1", [entry(4)], expected_version=3)

    def test_a_journal_of_another_session_is_corrupt(self, store):
        """The journal's header names its session, so a copied journal is refused."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", [entry(1)], expected_version=1)
        store.save("s2", "{}", expected_version=None)
        journal(store, "s2").write_bytes(journal(store).read_bytes())
        with pytest.raises(CorruptSessionError, match="belongs to session 's1'"):
            store.load("s2")

    @pytest.mark.parametrize("crashed", ["compact", "save"])
    def test_leftovers_of_a_crashed_compaction_or_save_are_ignored(self, store, crashed):
        """New snapshot renamed, old journal not yet removed: its records are ignored."""
        store.save("s1", '{"n": 0}', expected_version=None)
        store.append("s1", [entry(1), entry(2)], expected_version=1)
        store.append("s1", [entry(3)], expected_version=3)
        old = journal(store).read_bytes()
        old_id = json.loads(old.partition(b"\n")[0])["journal_id"].encode()
        if crashed == "compact":
            store.compact("s1", '{"n": 3}', version=4)
        else:
            store.save("s1", '{"n": 3}', expected_version=4)
        version = 4 if crashed == "compact" else 5
        journal(store).write_bytes(old)
        for reader in (store, FileSessionStore(store.directory)):
            loaded = reader.load("s1")
            assert ('{"n": 3}', (), version, version) == (
                loaded.document,
                loaded.entries,
                loaded.version,
                loaded.snapshot_version,
            )
            assert [(version, len('{"n": 3}'))] == [
                (info.version, info.size_bytes) for info in reader.list_sessions()
            ]
        with pytest.raises(SessionConflictError) as caught:
            store.append("s1", [entry(9)], expected_version=version - 1 if version == 5 else 3)
        assert version == caught.value.actual
        assert version + 1 == store.append("s1", [entry(4)], expected_version=version)
        assert entry(4).encode() in journal(store).read_bytes()
        assert old_id not in journal(store).read_bytes()  # a new journal file
        assert (entry(4),) == store.load("s1").entries

    def test_a_layout_1_file_still_loads_and_takes_appends(self, store):
        """A session file written before the journal existed is a snapshot without entries."""
        (store.directory / "old.session").write_bytes(LAYOUT_1_FILE)
        loaded = store.load("old")
        assert ('{"from": "0.1"}', 3, 3, ()) == (
            loaded.document,
            loaded.version,
            loaded.snapshot_version,
            loaded.entries,
        )
        assert 4 == store.append("old", [entry(1)], expected_version=3)
        assert (4, (entry(1),)) == (store.load("old").version, store.load("old").entries)
        assert LAYOUT_1_FILE == (store.directory / "old.session").read_bytes()

    def test_a_journal_left_by_a_crashed_delete_never_comes_back(self, store):
        """A journal without its session file is no session; a new save or cleanup drops it."""
        store.save("s1", "{}", expected_version=None)
        store.append("s1", [entry(1), entry(2)], expected_version=1)
        orphan = journal(store).read_bytes()
        store.delete("s1")
        journal(store).write_bytes(orphan)
        assert not store.exists("s1")
        with pytest.raises(SessionNotFoundError):
            store.load("s1")
        with pytest.raises(SessionConflictError) as caught:
            store.append("s1", [entry(3)], expected_version=3)
        assert caught.value.actual is None
        assert 1 == store.save("s1", "[]", expected_version=None)
        assert ((), 1) == (store.load("s1").entries, store.load("s1").version)
        store.delete("s1")
        journal(store).write_bytes(orphan)
        assert 1 == store.cleanup()
        assert [] == names(store)


class TestJournalCache:
    def test_two_stores_in_one_process_see_each_others_appends(self, store):
        """Each store remembers the journal's tail, and notices when another one wrote."""
        other = FileSessionStore(store.directory)
        store.save("s1", "{}", expected_version=None)
        assert 2 == store.append("s1", [entry(1)], expected_version=1)
        assert 4 == other.append("s1", [entry(2), entry(3)], expected_version=2)
        with pytest.raises(SessionConflictError) as caught:
            store.append("s1", [entry(9)], expected_version=2)
        assert 4 == caught.value.actual
        assert 5 == store.append("s1", [entry(4)], expected_version=4)
        other.compact("s1", '{"n": 4}', version=5)
        assert 6 == store.append("s1", [entry(5)], expected_version=5)
        assert 7 == other.append("s1", [entry(6)], expected_version=6)
        other.save("s1", "[]", expected_version=7)
        with pytest.raises(SessionConflictError):
            store.append("s1", [entry(7)], expected_version=7)
        assert 9 == store.append("s1", [entry(7)], expected_version=8)
        assert 10 == other.append("s1", [entry(8)], expected_version=9)
        loaded = store.load("s1")
        assert ("[]", (entry(7), entry(8)), 10) == (
            loaded.document,
            loaded.entries,
            loaded.version,
        )

    def test_appends_read_only_what_is_new(self, store, monkeypatch):
        """One store appending again and again never reads the whole journal again."""
        from agentcharts.runtime.sessions import _journal_io

        whole_reads = []
        read_journal = _journal_io.read_journal
        monkeypatch.setattr(
            _journal_io, "read_journal", lambda *a: whole_reads.append(1) or read_journal(*a)
        )
        other = FileSessionStore(store.directory)
        store.save("s1", "{}", expected_version=None)
        version = 1
        for n in range(50):
            version = store.append("s1", [entry(n)], expected_version=version)
        assert [] == whole_reads
        version = other.append("s1", [entry(50)], expected_version=version)
        assert [1] == whole_reads  # a store new to the journal reads it once
        for n in range(51, 60):
            writer = store if n % 2 else other
            version = writer.append("s1", [entry(n)], expected_version=version)
        assert [1] == whole_reads  # then each reads only the other's new batches
        assert 61 == store.load("s1").version
