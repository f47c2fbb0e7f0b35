"""Tests for the journal half of the `SessionStore` contract: append, compact, replay order.

Run against every store through the `store` fixture, like `test_conformance.py`.
"""

from __future__ import annotations

import json
import signal
import threading
import time

import pytest
from store_kits import SHARED_KITS, kit_id
from test_conformance import start_worker, wait_for

from agentcharts.exceptions import InvalidWriteError, SessionConflictError


def entry(**fields) -> str:
    return json.dumps(fields, sort_keys=True)


def test_appended_entries_load_in_order_after_the_snapshot(store):
    """Entries come back oldest first, each exactly as written, numbered after the snapshot."""
    assert 1 == store.save("s1", '{"snapshot": 1}', expected_version=None)
    assert 3 == store.append("s1", [entry(n=1), entry(n=2)], expected_version=1)
    assert 4 == store.append("s1", (entry(n=3),), expected_version=3)
    loaded = store.load("s1")
    assert (4, 1) == (loaded.version, loaded.snapshot_version)
    assert '{"snapshot": 1}' == loaded.document
    assert (entry(n=1), entry(n=2), entry(n=3)) == loaded.entries


def test_a_session_without_entries_has_its_snapshot_at_its_version(store):
    store.save("s1", "{}", expected_version=None)
    loaded = store.load("s1")
    assert ((), 1, 1) == (loaded.entries, loaded.snapshot_version, loaded.version)


def test_a_stale_appender_gets_the_plain_conflict_and_writes_nothing(store):
    """Compare-and-set on the sequence: the second writer of version 2 loses, whole."""
    store.save("s1", "{}", expected_version=None)
    store.append("s1", [entry(by="first")], expected_version=1)
    with pytest.raises(SessionConflictError) as caught:
        store.append("s1", [entry(by="second"), entry(by="second")], expected_version=1)
    assert type(caught.value) is SessionConflictError
    assert ("s1", 1, 2) == (caught.value.session_id, caught.value.expected, caught.value.actual)
    assert (entry(by="first"),) == store.load("s1").entries


def test_appending_to_a_missing_session_is_a_conflict_with_nothing(store):
    with pytest.raises(SessionConflictError) as caught:
        store.append("ghost", [entry()], expected_version=1)
    assert caught.value.actual is None
    assert not store.exists("ghost")


def test_a_writer_ahead_of_the_store_conflicts_too(store):
    store.save("s1", "{}", expected_version=None)
    with pytest.raises(SessionConflictError):
        store.append("s1", [entry()], expected_version=5)


@pytest.mark.parametrize(
    ("entries", "argument"),
    [
        ([], "entries"),
        ("{}", "entries"),
        ([b"{}"], "entries[0]"),
        (["{}", "{not json"], "entries[1]"),
        (["NaN"], "entries[0]"),
    ],
)
def test_bad_entries_are_refused_before_anything_is_written(store, entries, argument):
    store.save("s1", "{}", expected_version=None)
    with pytest.raises(InvalidWriteError) as caught:
        store.append("s1", entries, expected_version=1)
    assert argument == caught.value.argument
    assert (1, ()) == (store.load("s1").version, store.load("s1").entries)


@pytest.mark.parametrize("version", [None, 0, -1, True, "1", 1.0])
def test_bad_versions_are_refused(store, version):
    store.save("s1", "{}", expected_version=None)
    with pytest.raises(InvalidWriteError):
        store.append("s1", ["{}"], expected_version=version)
    with pytest.raises(InvalidWriteError):
        store.compact("s1", "{}", version=version)


def test_a_save_replaces_the_snapshot_and_empties_the_journal(store):
    store.save("s1", '{"run": 1}', expected_version=None)
    store.append("s1", [entry(n=1), entry(n=2)], expected_version=1)
    assert 4 == store.save("s1", '{"run": 2}', expected_version=3)
    loaded = store.load("s1")
    assert ('{"run": 2}', (), 4, 4) == (
        loaded.document,
        loaded.entries,
        loaded.version,
        loaded.snapshot_version,
    )


def test_compaction_keeps_the_version_and_numbering_goes_on(store):
    store.save("s1", '{"count": 0}', expected_version=None)
    store.append("s1", [entry(add=1), entry(add=1)], expected_version=1)
    store.compact("s1", '{"count": 2}', version=3)
    loaded = store.load("s1")
    assert ('{"count": 2}', (), 3, 3) == (
        loaded.document,
        loaded.entries,
        loaded.version,
        loaded.snapshot_version,
    )
    assert 4 == store.append("s1", [entry(add=1)], expected_version=3)
    loaded = store.load("s1")
    assert ((entry(add=1),), 3, 4) == (loaded.entries, loaded.snapshot_version, loaded.version)


def test_a_stale_compaction_conflicts_and_changes_nothing(store):
    store.save("s1", '{"count": 0}', expected_version=None)
    store.append("s1", [entry(add=1), entry(add=1)], expected_version=1)
    with pytest.raises(SessionConflictError):
        store.compact("s1", '{"count": 1}', version=2)
    with pytest.raises(SessionConflictError):
        store.compact("ghost", "{}", version=1)
    loaded = store.load("s1")
    assert ('{"count": 0}', 2, 3) == (loaded.document, len(loaded.entries), loaded.version)


def test_a_compaction_must_be_json(store):
    store.save("s1", "{}", expected_version=None)
    with pytest.raises(InvalidWriteError):
        store.compact("s1", "{not json", version=1)


def test_listing_counts_the_journal_in_the_size(store):
    store.save("s1", "{}", expected_version=None)
    store.append("s1", ['{"a": 1}', '{"b": 22}'], expected_version=1)
    (info,) = store.list_sessions()
    assert (3, len("{}") + len('{"a": 1}') + len('{"b": 22}')) == (info.version, info.size_bytes)


def test_delete_removes_the_journal_with_the_snapshot(store):
    store.save("s1", "{}", expected_version=None)
    store.append("s1", [entry(n=1)], expected_version=1)
    store.delete("s1", expected_version=2)
    assert not store.exists("s1")
    assert 1 == store.save("s1", '{"again": true}', expected_version=None)
    assert () == store.load("s1").entries


def test_threads_racing_on_one_version_have_one_winner(store):
    """Eight threads append at version 1 at once: exactly one batch is stored."""
    store.save("s1", "{}", expected_version=None)
    barrier = threading.Barrier(8)
    outcomes: list[object] = []

    def race(name: int) -> None:
        barrier.wait()
        try:
            outcomes.append(store.append("s1", [entry(by=name)] * 3, expected_version=1))
        except SessionConflictError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [4] == [o for o in outcomes if o == 4]
    assert 7 == sum(isinstance(o, SessionConflictError) for o in outcomes)
    entries = store.load("s1").entries
    assert 3 == len(entries)
    assert 1 == len(set(entries))


def test_big_batches_and_entries_round_trip(store):
    store.save("s1", "{}", expected_version=None)
    batch = [entry(n=n, pad="é" * (n * 97)) for n in range(300)]
    assert 301 == store.append("s1", batch, expected_version=1)
    assert tuple(batch) == store.load("s1").entries


@pytest.mark.slow
@pytest.mark.parametrize("kit", SHARED_KITS, ids=kit_id)
def test_appenders_in_processes_lose_nothing(kit, location, store, tmp_path):
    """Three processes append 15 entries each: all 45 stored once, in one gapless sequence."""
    writers, count = 3, 15
    store.save("shared", "{}", expected_version=None)
    go = tmp_path / "go"
    workers = []
    for i in range(writers):
        ready = tmp_path / f"ready{i}"
        args = ("append", kit.child_factory, location, "shared", f"w{i}", count, ready, go)
        workers.append(start_worker(*args))
    for i, worker in enumerate(workers):
        wait_for(tmp_path / f"ready{i}", worker)
    go.touch()
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert 0 == worker.returncode, err
        assert count == json.loads(out)["entries"]
    loaded = store.load("shared")
    assert 1 + writers * count == loaded.version
    seen = [json.loads(e) for e in loaded.entries]
    for i in range(writers):
        assert list(range(count)) == [e["n"] for e in seen if e["writer"] == f"w{i}"]


@pytest.mark.slow
@pytest.mark.parametrize("kit", SHARED_KITS, ids=kit_id)
def test_a_writer_killed_while_appending_and_compacting_loses_nothing(
    kit, location, store, tmp_path
):
    """SIGKILL at random points of appends and compactions: the state is always whole."""
    store.save("s1", json.dumps({"count": 0}), expected_version=None)
    for round_number in range(3):
        ready = tmp_path / f"ready{round_number}"
        worker = start_worker("journal-crash", kit.child_factory, location, "s1", ready)
        try:
            wait_for(ready, worker)
            deadline = time.monotonic() + 0.05 + 0.1 * round_number
            while time.monotonic() < deadline:
                check_journal_state(store.load("s1"))
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.communicate(timeout=30)
        kit.settle(store)
        assert -signal.SIGKILL == worker.returncode
        check_journal_state(store.load("s1"))
    loaded = store.load("s1")
    store.append("s1", [entry(add=1)], expected_version=loaded.version)
    check_journal_state(store.load("s1"))


def check_journal_state(loaded) -> None:
    """The worker's invariant: the snapshot's count plus one per entry is ``version - 1``."""
    count = json.loads(loaded.document)["count"]
    assert loaded.snapshot_version - 1 == count
    assert loaded.version - 1 == count + sum(json.loads(e)["add"] for e in loaded.entries)
