"""Fuzzing: random resume inputs and random or truncated session documents.

``FUZZ_EXAMPLES`` sets the examples per test (60 in the suite; 1,500 found nothing either).

The contract: whatever comes in, the library raises one of its own typed errors (a
subclass of ``AgentchartsError``) or proceeds; it never raises anything else, and when it
raises, the stored session is exactly what it was (same document, same version).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import SESSION, TASK, answers, build, pending_ids

import strategies
from agentcharts import (
    AgentchartsError,
    FileSessionStore,
    MemorySessionStore,
    Status,
    load_stored_session,
)
from agentcharts.runtime.sessions._file_format import FileHeader, pack
from agentcharts.schemas.persisted import dump_session, load_session

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def interrupted_session(tmp_path):
    """A memory store holding an interrupted run; return (store, document, pending ids)."""
    store = MemorySessionStore()
    result = build(store, tmp_path / "effects.txt")(TASK)
    assert Status.INTERRUPTED == result.status
    document = dump_session(load_stored_session(store.load(SESSION)))  # the journal, compacted
    return store, document, pending_ids(load_session(document))


def put(store, document):
    """Make ``document`` the stored session (version 1), whatever was there."""
    if store.exists(SESSION):
        store.delete(SESSION)
    store.save(SESSION, document, expected_version=None)


def attempt(store, graph, value):
    """Invoke; on a typed error, check the stored session did not change. Return the outcome."""
    before = store.load(SESSION)
    try:
        result = graph(value)
    except AgentchartsError as error:
        outcome: object = error
    else:
        return result
    after = store.load(SESSION)
    assert (before.version, before.document, before.entries) == (
        after.version,
        after.document,
        after.entries,
    ), outcome
    return outcome


def resume_values(ids):
    """Resume input of every shape: well-formed or not, with real, unknown or odd ids."""
    identifier = st.one_of(st.sampled_from(ids), st.text(max_size=12), strategies.json_values)
    body = st.one_of(
        st.fixed_dictionaries({"interruptId": identifier, "response": strategies.json_values}),
        st.dictionaries(st.sampled_from(["interruptId", "response", "extra"]), identifier),
        strategies.json_values,
        st.builds(object),
        st.just(float("nan")),
    )
    block = st.one_of(
        st.fixed_dictionaries({"interruptResponse": body}),
        st.dictionaries(st.text(max_size=16), body, max_size=2),
        body,
    )
    return st.one_of(
        st.lists(block, max_size=4),
        strategies.json_values,
        st.binary(max_size=16),
        st.tuples(block),
        st.just(answers(ids) + answers(ids)),
    )


def paths(value, prefix=()):
    """Every path to a value inside a JSON document."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(paths(item, (*prefix, index)))
    return found


def mutate(document, path, replacement, delete):
    """Replace (or delete) the value at ``path`` in a copy of ``document``."""
    copy = json.loads(json.dumps(document))
    if not path:
        return replacement
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copy


class TestResumeInputs:
    def test_random_resume_inputs(self, tmp_path):
        """Random resume inputs raise typed errors (session untouched) or resume the run."""
        store, document, ids = interrupted_session(tmp_path)
        graph = build(store, tmp_path / "effects.txt")
        outcomes = {"error": 0, "resumed": 0}

        @FUZZ
        @given(value=resume_values(ids))
        def check(value):
            put(store, document)
            outcome = attempt(store, graph, value)
            if isinstance(outcome, AgentchartsError):
                outcomes["error"] += 1
            else:
                assert outcome.status in {Status.COMPLETED, Status.INTERRUPTED}
                outcomes["resumed"] += 1

        check()
        assert outcomes["error"] > 0

    @pytest.mark.parametrize(
        "value",
        [None, "", "a new task", 0, [], [{}], {"interruptResponse": {}}, [["interruptResponse"]]],
    )
    def test_classic_bad_inputs(self, tmp_path, value):
        """Typical mistakes while interrupted raise typed errors and change nothing."""
        store, document, _ = interrupted_session(tmp_path)
        graph = build(store, tmp_path / "effects.txt")
        put(store, document)
        assert isinstance(attempt(store, graph, value), AgentchartsError)


class TestSnapshotDocuments:
    def test_mutated_documents(self, tmp_path):
        """A stored session with any value replaced or removed: typed errors, or it runs."""
        store, document, ids = interrupted_session(tmp_path)
        parsed = json.loads(document)
        graph = build(store, tmp_path / "effects.txt")

        @FUZZ
        @given(
            path=st.sampled_from(paths(parsed)),
            replacement=strategies.json_values,
            delete=st.booleans(),
            value=st.sampled_from([answers(ids), None, TASK]),
        )
        def check(path, replacement, delete, value):
            changed = mutate(parsed, path, replacement, delete and bool(path))
            put(store, json.dumps(changed))
            attempt(store, graph, value)

        check()

    def test_truncated_and_garbled_files(self, tmp_path):
        """A session file cut short or garbled (with a matching checksum): typed errors only."""
        _, document, ids = interrupted_session(tmp_path)
        raw = document.encode()
        store = FileSessionStore(tmp_path / "sessions")
        graph = build(store, tmp_path / "effects.txt")
        path = tmp_path / "sessions" / f"{SESSION}.session"

        @FUZZ
        @given(
            cut=st.integers(min_value=0, max_value=len(raw)),
            noise=st.binary(max_size=8),
            checksum_matches=st.booleans(),
            value=st.sampled_from([answers(ids), None, TASK]),
        )
        def check(cut, noise, checksum_matches, value):
            data = raw[:cut] + noise
            digest = hashlib.sha256(data if checksum_matches else raw).hexdigest()
            header = FileHeader(SESSION, 3, digest, len(data), datetime.now(UTC))
            content = pack(header, data)
            path.write_bytes(content)
            if data == raw:
                return
            with pytest.raises(AgentchartsError):
                graph(value)
            assert content == path.read_bytes()

        check()

    @FUZZ
    @given(text=st.one_of(st.text(max_size=64), st.binary(max_size=64)))
    def test_load_session_on_anything(self, text):
        """Loading arbitrary text or bytes raises a typed error and nothing else."""
        with pytest.raises(AgentchartsError):
            load_session(text)
