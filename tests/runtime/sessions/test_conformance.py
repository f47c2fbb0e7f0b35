"""Tests for the `agentcharts.runtime.sessions.SessionStore` contract, run against every store.

Each test takes the `store` fixture (or `kit` and `location`), which `conftest.py` builds
from `store_kits.KITS`; adding a kit there runs this whole suite against a new store.
"""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest
from store_kits import CORRUPTION_CASES, SHARED_KITS, corrupt, kit_id

from agentcharts.exceptions import (
    CorruptSessionError,
    InvalidSessionIdError,
    InvalidWriteError,
    PersistenceError,
    SessionConflictError,
    SessionNotFoundError,
)
from agentcharts.runtime.sessions import SessionInfo, SessionStore, StoredSession

WORKER = pathlib.Path(__file__).resolve().parent / "session_worker.py"

HOSTILE_IDS = [
    "",
    "../x",
    "..",
    "a/b",
    "/etc/passwd",
    "a\x00b",
    "C:\\x",
    ".hidden",
    "x" * 200,
    "a..b",
    "-rf",
    "_x",
    "a b",
    "a\nb",
    "caf\u00e9",
    "a:b",
    "\u2024\u2024/x",
    "%2e%2e",
]
NOT_STR_IDS = [None, 1, b"s1", ["s1"], pathlib.Path("s1")]
NOT_JSON = ["", "{not json", "[1, 2", "NaN", '{"x": Infinity}', "[-Infinity]", "'single'", "\ud800"]
ODD_VALID_IDS = ["a", "0", "A-b_c.d", "run.2026-01-31", "x" * 128, "s.session", "s.lock"]


def doc(**fields) -> str:
    return json.dumps(fields)


class TestContract:
    def test_is_a_session_store(self, store):
        """Every store satisfies the runtime-checkable protocol."""
        assert isinstance(store, SessionStore)

    def test_create_and_load(self, store):
        """A created session loads back at version 1 with its document and a UTC time."""
        before = datetime.now(UTC)
        assert 1 == store.save("s1", doc(step=1), expected_version=None)
        after = datetime.now(UTC)
        loaded = store.load("s1")
        assert isinstance(loaded, StoredSession)
        assert ("s1", 1, doc(step=1)) == (loaded.session_id, loaded.version, loaded.document)
        assert UTC == loaded.updated_at.tzinfo
        assert before <= loaded.updated_at <= after

    def test_updates_count_versions(self, store):
        """Each save with the version read writes the next version."""
        version = store.save("s1", doc(step=0), expected_version=None)
        for step in range(1, 6):
            version = store.save("s1", doc(step=step), expected_version=version)
            assert step + 1 == version
        loaded = store.load("s1")
        assert (6, doc(step=5)) == (loaded.version, loaded.document)

    def test_document_kept_exactly(self, store):
        """The document comes back character for character: whitespace, escapes, non-ASCII."""
        text = ' {"b": 1,\n  "a": "caf\u00e9 \\u00e9 \u2603 \U0001f600",  "n": null}\t'
        store.save("s1", text, expected_version=None)
        assert text == store.load("s1").document

    def test_expected_version_zero_creates(self, store):
        """``expected_version=0`` means the same as ``None``: create."""
        assert 1 == store.save("s1", "{}", expected_version=0)
        with pytest.raises(SessionConflictError):
            store.save("s1", "{}", expected_version=0)

    def test_updated_at_moves_forward(self, store):
        """A later version has a later (or equal) timestamp."""
        store.save("s1", "{}", expected_version=None)
        first = store.load("s1").updated_at
        store.save("s1", "[]", expected_version=1)
        assert first <= store.load("s1").updated_at

    def test_sessions_are_independent(self, store):
        """Versions count per session."""
        store.save("a", doc(x=1), expected_version=None)
        store.save("a", doc(x=2), expected_version=1)
        store.save("b", doc(y=1), expected_version=None)
        assert (2, 1) == (store.load("a").version, store.load("b").version)
        assert doc(y=1) == store.load("b").document

    def test_exists(self, store):
        """``exists`` tells stored sessions from absent ones."""
        assert not store.exists("s1")
        store.save("s1", "{}", expected_version=None)
        assert store.exists("s1")


class TestConflicts:
    def test_stale_writer_loses(self, store):
        """Two writers read version 1; the second to save gets a conflict and changes nothing."""
        store.save("s1", doc(who="creator"), expected_version=None)
        first, second = store.load("s1"), store.load("s1")
        assert 2 == store.save("s1", doc(who="first"), expected_version=first.version)
        with pytest.raises(SessionConflictError) as caught:
            store.save("s1", doc(who="second"), expected_version=second.version)
        error = caught.value
        assert ("s1", 1, 2) == (error.session_id, error.expected, error.actual)
        assert isinstance(error, PersistenceError)
        loaded = store.load("s1")
        assert (2, doc(who="first")) == (loaded.version, loaded.document)

    def test_create_when_exists(self, store):
        """Creating an existing session is a conflict with expected 0 and the stored version."""
        store.save("s1", doc(v=1), expected_version=None)
        store.save("s1", doc(v=2), expected_version=1)
        with pytest.raises(SessionConflictError) as caught:
            store.save("s1", doc(v="new"), expected_version=None)
        assert (0, 2) == (caught.value.expected, caught.value.actual)
        assert doc(v=2) == store.load("s1").document

    def test_update_of_absent_session(self, store):
        """Updating a session that is gone is a conflict whose ``actual`` is None."""
        with pytest.raises(SessionConflictError) as caught:
            store.save("s1", "{}", expected_version=3)
        assert (3, None) == (caught.value.expected, caught.value.actual)
        assert not store.exists("s1")

    def test_expected_version_ahead(self, store):
        """A writer claiming a version the store never reached loses too."""
        store.save("s1", "{}", expected_version=None)
        with pytest.raises(SessionConflictError) as caught:
            store.save("s1", "[]", expected_version=5)
        assert (5, 1) == (caught.value.expected, caught.value.actual)
        assert "{}" == store.load("s1").document


class TestDelete:
    def test_delete(self, store):
        """A deleted session is gone from load, exists and the listing."""
        store.save("s1", "{}", expected_version=None)
        store.save("s2", "{}", expected_version=None)
        store.delete("s1")
        assert not store.exists("s1")
        with pytest.raises(SessionNotFoundError):
            store.load("s1")
        assert ["s2"] == [info.session_id for info in store.list_sessions()]

    def test_delete_absent(self, store):
        """Deleting an absent session raises SessionNotFoundError, with or without a version."""
        with pytest.raises(SessionNotFoundError):
            store.delete("s1")
        with pytest.raises(SessionNotFoundError):
            store.delete("s1", expected_version=1)

    def test_delete_at_version(self, store):
        """A versioned delete succeeds at the stored version and conflicts at another."""
        store.save("s1", "{}", expected_version=None)
        store.save("s1", "{}", expected_version=1)
        with pytest.raises(SessionConflictError) as caught:
            store.delete("s1", expected_version=1)
        assert (1, 2) == (caught.value.expected, caught.value.actual)
        assert store.exists("s1")
        store.delete("s1", expected_version=2)
        assert not store.exists("s1")

    def test_recreate_after_delete(self, store):
        """A session created again after a delete starts over at version 1."""
        store.save("s1", "{}", expected_version=None)
        store.save("s1", "{}", expected_version=1)
        store.delete("s1")
        assert 1 == store.save("s1", "[]", expected_version=None)
        assert (1, "[]") == (store.load("s1").version, store.load("s1").document)


class TestListAndLookup:
    def test_empty(self, store):
        """A fresh store lists nothing."""
        assert [] == store.list_sessions()

    def test_listing(self, store):
        """The listing is sorted by id, with versions, UTF-8 sizes and times."""
        store.save("b", doc(text="\u00e9\u00e9"), expected_version=None)
        store.save("a", "[]", expected_version=None)
        store.save("a", "[1, 2]", expected_version=1)
        store.save("C", "{}", expected_version=None)
        listing = store.list_sessions()
        assert all(isinstance(info, SessionInfo) for info in listing)
        assert [("C", 1, 2), ("a", 2, 6), ("b", 1, len(doc(text="\u00e9\u00e9").encode()))] == [
            (info.session_id, info.version, info.size_bytes) for info in listing
        ]
        assert [store.load(i.session_id).updated_at for i in listing] == [
            i.updated_at for i in listing
        ]

    def test_not_found(self, store):
        """Loading an absent session raises SessionNotFoundError, a KeyError naming it."""
        with pytest.raises(SessionNotFoundError) as caught:
            store.load("missing")
        assert "missing" == caught.value.session_id
        assert isinstance(caught.value, KeyError)
        assert "no session 'missing' in the store" == str(caught.value)


def raised(error_type, method, *args, **kwargs):
    """Call ``method``, which must raise ``error_type``; return the error."""
    try:
        method(*args, **kwargs)
    except error_type as error:
        return error
    pytest.fail(f"{method.__name__}{args!r} {kwargs!r}: {error_type.__name__} was not raised")


class TestSessionIds:
    def test_hostile_ids_refused_everywhere(self, store):
        """Every method refuses every hostile id before touching storage."""
        for session_id in HOSTILE_IDS + NOT_STR_IDS:
            errors = [
                raised(InvalidSessionIdError, store.load, session_id),
                raised(InvalidSessionIdError, store.save, session_id, "{}", expected_version=None),
                raised(InvalidSessionIdError, store.delete, session_id),
                raised(InvalidSessionIdError, store.exists, session_id),
            ]
            assert [session_id] * 4 == [error.session_id for error in errors]
        assert [] == store.list_sessions()

    def test_nothing_written_outside(self, kit, tmp_path, location):
        """Hostile ids leave the store's surroundings untouched."""
        store = kit.open(location)
        try:
            before = sorted(p.name for p in tmp_path.iterdir())
            for session_id in HOSTILE_IDS:
                with pytest.raises(InvalidSessionIdError):
                    store.save(session_id, "{}", expected_version=None)
            assert before == sorted(p.name for p in tmp_path.iterdir())
        finally:
            kit.close(store)

    def test_valid_ids_round_trip(self, store):
        """Ids at the edges of the rule are stored, loaded and listed as themselves."""
        for session_id in ODD_VALID_IDS:
            store.save(session_id, "{}", expected_version=None)
            assert session_id == store.load(session_id).session_id
        assert sorted(ODD_VALID_IDS) == [info.session_id for info in store.list_sessions()]


class TestWriteArguments:
    def test_non_json_document_refused(self, store):
        """A document that is not strict JSON text is refused and nothing is stored."""
        for document in NOT_JSON:
            error = raised(InvalidWriteError, store.save, "s1", document, expected_version=None)
            assert ("s1", "document") == (error.session_id, error.argument)
            assert isinstance(error, ValueError)
        assert not store.exists("s1")

    def test_non_str_document_refused(self, store):
        """Only text is accepted: bytes, dicts and others are refused."""
        for document in [b"{}", {"a": 1}, None, 42]:
            error = raised(InvalidWriteError, store.save, "s1", document, expected_version=None)
            assert "must be JSON text" in error.reason

    def test_deeply_nested_document_refused(self, store):
        """A document nested past the parser's limit is refused, not a crash."""
        with pytest.raises(InvalidWriteError, match="nested too deeply"):
            store.save("s1", "[" * 100_000 + "]" * 100_000, expected_version=None)

    def test_bad_expected_version_refused(self, store):
        """``expected_version`` must be None or an int >= 0, for save and delete."""
        store.save("s1", "{}", expected_version=None)
        for bad in [-1, True, 1.0, "1"]:
            error = raised(InvalidWriteError, store.save, "s1", "[]", expected_version=bad)
            assert "expected_version" == error.argument
            raised(InvalidWriteError, store.delete, "s1", expected_version=bad)
        assert (1, "{}") == (store.load("s1").version, store.load("s1").document)


class TestCorruption:
    @pytest.mark.parametrize(
        ("kit", "damage"), CORRUPTION_CASES, ids=lambda v: v if isinstance(v, str) else v.name
    )
    def test_corrupt_session_is_named_and_can_be_deleted(self, kit, store, damage):
        """Load raises CorruptSessionError naming the session; an unversioned delete clears it."""
        store.save("s1", doc(step=1, text="hello world"), expected_version=None)
        store.save("s1", doc(step=2, text="hello world"), expected_version=1)
        corrupt(kit, store, "s1", damage)
        with pytest.raises(CorruptSessionError) as caught:
            store.load("s1")
        assert "s1" == caught.value.session_id
        assert "'s1'" in str(caught.value)
        assert caught.value.cause
        assert store.exists("s1")
        store.delete("s1")
        assert 1 == store.save("s1", "[]", expected_version=None)
        assert "[]" == store.load("s1").document

    def test_other_sessions_unaffected(self, kit, store):
        """Damage to one session does not stop others from loading."""
        store.save("bad", "{}", expected_version=None)
        store.save("good", doc(ok=True), expected_version=None)
        kit.plant(store, "bad", b"{not json")
        assert doc(ok=True) == store.load("good").document

    def test_pickle_is_never_unpickled(self, kit, store, tmp_path):
        """A pickle stored as a document is reported as corrupt and never executed."""
        marker = tmp_path / "unpickled"
        payload = b"cbuiltins\nopen\n(V" + str(marker).encode() + b"\nVw\ntR."
        kit.plant(store, "s1", payload)
        with pytest.raises(CorruptSessionError, match="'s1'"):
            store.load("s1")
        assert not marker.exists()


def run_threads(count, target):
    errors = []

    def guarded(index):
        try:
            target(index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [] == errors


def contend(store, name, saves, tally):
    """Load, bump, save with the version read; retry on conflicts. Count both."""
    done = conflicts = 0
    while done < saves:
        stored = store.load("shared")
        document = json.loads(stored.document)
        document["count"] += 1
        document["writers"][name] = document["writers"].get(name, 0) + 1
        time.sleep(0.001)
        try:
            store.save("shared", json.dumps(document), expected_version=stored.version)
        except SessionConflictError:
            conflicts += 1
            continue
        done += 1
    tally[name] = (done, conflicts)


def check_no_lost_update(store, writers, saves):
    """Every successful save is in the final document, and the version counts them all."""
    final = store.load("shared")
    document = json.loads(final.document)
    assert 1 + writers * saves == final.version
    assert writers * saves == document["count"]
    assert {f"w{i}": saves for i in range(writers)} == document["writers"]


class TestThreads:
    def test_threads_share_one_store(self, store):
        """Threads updating one session through one store never lose an update."""
        store.save("shared", doc(count=0, writers={}), expected_version=None)
        tally = {}
        run_threads(4, lambda i: contend(store, f"w{i}", 10, tally))
        check_no_lost_update(store, 4, 10)
        assert sum(c for _, c in tally.values()) > 0

    @pytest.mark.parametrize("kit", SHARED_KITS, ids=kit_id)
    def test_threads_with_their_own_store(self, kit, location):
        """Threads each opening the same location never lose an update either."""
        stores = [kit.open(location) for _ in range(4)]
        try:
            stores[0].save("shared", doc(count=0, writers={}), expected_version=None)
            tally = {}
            run_threads(4, lambda i: contend(stores[i], f"w{i}", 10, tally))
            check_no_lost_update(stores[0], 4, 10)
        finally:
            for opened in stores:
                kit.close(opened)

    @pytest.mark.parametrize("kit", SHARED_KITS, ids=kit_id)
    def test_create_delete_cycles_are_exclusive(self, kit, location):
        """Threads racing to create and delete one session: a creator always owns it alone."""
        stores = [kit.open(location) for _ in range(4)]

        def cycle(index):
            store, owned = stores[index], 0
            while owned < 15:
                try:
                    store.save("cycled", doc(owner=index), expected_version=None)
                except SessionConflictError:
                    continue
                owned += 1
                assert doc(owner=index) == store.load("cycled").document
                store.delete("cycled", expected_version=1)

        try:
            run_threads(4, cycle)
            assert not stores[0].exists("cycled")
        finally:
            for opened in stores:
                kit.close(opened)


def start_worker(*args):
    return subprocess.Popen(
        [sys.executable, str(WORKER), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path, process=None):
    deadline = time.monotonic() + 30
    while not path.exists():
        if process is not None and process.poll() is not None:
            pytest.fail(f"worker died: {process.communicate()[1]}")
        assert time.monotonic() < deadline, f"timed out waiting for {path}"
        time.sleep(0.01)


@pytest.mark.slow
class TestProcesses:
    @pytest.mark.parametrize("kit", SHARED_KITS, ids=kit_id)
    def test_concurrent_writers_in_processes(self, kit, location, store, tmp_path):
        """Processes racing on one session: every save counted, every loss a conflict."""
        writers, saves = 3, 10
        store.save("shared", doc(count=0, writers={}), expected_version=None)
        go = tmp_path / "go"
        workers = []
        for i in range(writers):
            ready = tmp_path / f"ready{i}"
            args = ("contend", kit.child_factory, location, "shared", f"w{i}", saves, ready, go)
            workers.append(start_worker(*args))
        for i, worker in enumerate(workers):
            wait_for(tmp_path / f"ready{i}", worker)
        go.touch()
        reports = []
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert 0 == worker.returncode, err
            reports.append(json.loads(out))
        assert [saves] * writers == [r["saves"] for r in reports]
        assert sum(r["conflicts"] for r in reports) > 0
        check_no_lost_update(store, writers, saves)

    @pytest.mark.parametrize("kit", SHARED_KITS, ids=kit_id)
    def test_killed_writer_leaves_a_whole_session(self, kit, location, store, tmp_path):
        """Readers racing a writer see whole versions; SIGKILL mid-saves leaves one whole too."""
        last_version = 0
        for round_number in range(2):
            ready = tmp_path / f"ready{round_number}"
            worker = start_worker("crash", kit.child_factory, location, "s1", ready)
            seen = set()
            try:
                wait_for(ready, worker)
                deadline = time.monotonic() + 30
                while len(seen) < 5 and time.monotonic() < deadline:
                    loaded = store.load("s1")
                    assert loaded.version == json.loads(loaded.document)["count"]
                    seen.add(loaded.version)
            finally:
                worker.send_signal(signal.SIGKILL)
                worker.communicate(timeout=30)
            kit.settle(store)
            assert -signal.SIGKILL == worker.returncode
            assert 5 == len(seen)
            loaded = store.load("s1")
            assert loaded.version >= max(seen) > last_version
            assert loaded.version == json.loads(loaded.document)["count"]
            last_version = loaded.version
        assert ["s1"] == [info.session_id for info in store.list_sessions()]
        assert last_version + 1 == store.save("s1", "{}", expected_version=last_version)
