"""Untrusted input: session ids cannot escape the store's directory; nothing is unpickled."""

from __future__ import annotations

import hashlib
import pathlib
import re
import sqlite3
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentcharts
from agentcharts import (
    AgentchartsError,
    FileSessionStore,
    GraphBuilder,
    MemorySessionStore,
    SQLiteSessionStore,
)
from agentcharts.exceptions import CorruptSessionError, InvalidSessionIdError, SnapshotDecodeError
from agentcharts.runtime.sessions._file_format import FileHeader, pack
from agentcharts.schemas.persisted import load_agent, load_session

PACKAGE = pathlib.Path(agentcharts.__file__).resolve().parent

ESCAPES = [
    "..",
    "../x",
    "../../etc/passwd",
    "a/../../b",
    "a/b",
    "/abs",
    "\\\\server\\share",
    "C:\\x",
    "C:x",
    ".hidden",
    ".",
    "",
    "a\x00b",
    "a\nb",
    "x" * 129,
    "%2e%2e%2fx",
    "..%2f",
    "\u2024\u2024/x",
    "\uff0e\uff0e\uff0fx",
    "a..b",
    "~root",
    "$HOME",
    "s p a c e",
]


def tree(root):
    """Every path under ``root``, relative, with its size."""
    return {
        str(p.relative_to(root)): (p.stat().st_size if p.is_file() else -1) for p in root.rglob("*")
    }


def stores(tmp_path):
    return [
        FileSessionStore(tmp_path / "inside" / "files"),
        SQLiteSessionStore(tmp_path / "inside" / "sessions.db"),
        MemorySessionStore(),
    ]


def touch_every_method(store, session_id):
    """Call every method of a store that takes a session id; return the errors raised."""
    errors = []
    calls = [
        lambda: store.save(session_id, "{}", expected_version=None),
        lambda: store.load(session_id),
        lambda: store.exists(session_id),
        lambda: store.delete(session_id),
    ]
    for call in calls:
        try:
            call()
        except AgentchartsError as error:
            errors.append(error)
    return errors


class TestSessionIds:
    @pytest.mark.parametrize("session_id", ESCAPES)
    def test_escaping_ids_are_refused(self, tmp_path, session_id):
        """Ids that could name another path are refused by every store and the builder."""
        outside = tmp_path / "outside.txt"
        outside.write_text("keep")
        for store in stores(tmp_path):
            before = tree(tmp_path)
            errors = touch_every_method(store, session_id)
            assert 4 == len(errors)
            assert all(isinstance(e, InvalidSessionIdError) for e in errors)
            assert before == tree(tmp_path)
            if isinstance(store, SQLiteSessionStore):
                store.close()
        with pytest.raises(InvalidSessionIdError):
            GraphBuilder().set_session(MemorySessionStore(), session_id)
        assert "keep" == outside.read_text()

    def test_random_ids_stay_inside(self, tmp_path):
        """Any id is either refused, or names exactly one file inside the store's directory."""
        directory = tmp_path / "inside" / "files"
        store = FileSessionStore(directory)

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            session_id=st.one_of(
                st.text(max_size=40),
                st.text(alphabet="./\\:~%$\x00ab-_", max_size=12),
                st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True),
            )
        )
        def check(session_id):
            outside_before = {p for p in tree(tmp_path) if not p.startswith("inside/files")}
            try:
                store.save(session_id, "{}", expected_version=None)
            except InvalidSessionIdError:
                pass
            else:
                created = [p for p in directory.iterdir() if p.suffix == ".session"]
                assert [directory / f"{session_id}.session"] == created
                assert created[0].resolve().parent == directory.resolve()
                store.delete(session_id)
            outside_after = {p for p in tree(tmp_path) if not p.startswith("inside/files")}
            assert outside_before == outside_after

        check()


# a protocol-0 pickle that would run os.system("touch <marker>") if it were ever unpickled
def pickle_payload(marker):
    return f"cposix\nsystem\n(S'touch {marker}'\ntR.".encode()


class TestNothingIsUnpickled:
    def test_package_source_uses_no_unsafe_deserializer(self):
        """No module imports pickle, marshal, shelve or dill, calls eval/exec, or loads unsafe YAML."""
        banned = re.compile(
            r"^\s*(?:import|from)\s+(?:pickle|cPickle|_pickle|marshal|shelve|dill|jsonpickle)\b"
            r"|\b(?:eval|exec)\(|yaml\.unsafe_load|yaml\.full_load|\bpickle\.",
            re.MULTILINE,
        )
        offenders = {}
        yaml_loads = 0
        for path in PACKAGE.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            found = [m.group(0) for m in banned.finditer(text)]
            # yaml.load is allowed only with a Loader that is a SafeLoader subclass
            for match in re.finditer(r"yaml\.load\((?P<args>[^)]*)\)", text):
                yaml_loads += 1
                loader = re.search(r"Loader=(\w+)", match.group("args"))
                safe = loader is not None and (
                    loader.group(1) in {"SafeLoader", "CSafeLoader"}
                    or re.search(rf"class {loader.group(1)}\(yaml\.C?SafeLoader\)", text)
                )
                if not safe:
                    found.append(match.group(0))
            if found:
                offenders[str(path.relative_to(PACKAGE))] = found
        assert {} == offenders

    def test_pickle_payload_in_a_session_file(self, tmp_path):
        """A pickle stored as a session file (checksum matching) is refused as not JSON."""
        marker = tmp_path / "pwned"
        data = pickle_payload(marker)
        store = FileSessionStore(tmp_path / "sessions")
        header = FileHeader("s1", 1, hashlib.sha256(data).hexdigest(), len(data), datetime.now(UTC))
        (tmp_path / "sessions" / "s1.session").write_bytes(pack(header, data))
        with pytest.raises(CorruptSessionError):
            store.load("s1")
        graph = GraphBuilder().add_node(lambda state: "ok", "a").set_session(store, "s1").build()
        with pytest.raises(CorruptSessionError):
            graph("go")
        assert not marker.exists()

    def test_pickle_payload_in_a_sqlite_row(self, tmp_path):
        """A pickle stored in the SQLite row (checksum matching) is refused as not JSON."""
        marker = tmp_path / "pwned"
        data = pickle_payload(marker)
        path = tmp_path / "sessions.db"
        with SQLiteSessionStore(path) as store:
            store.save("s1", "{}", expected_version=None)
        connection = sqlite3.connect(path)
        try:
            for document in (data, data.decode("latin-1")):
                with connection:
                    connection.execute(
                        "UPDATE agentcharts_sessions SET document = ?, sha256 = ?",
                        (document, hashlib.sha256(data).hexdigest()),
                    )
                with SQLiteSessionStore(path) as store, pytest.raises(CorruptSessionError):
                    store.load("s1")
        finally:
            connection.close()
        assert not marker.exists()

    @pytest.mark.parametrize("as_text", [False, True])
    def test_pickle_payload_to_the_loaders(self, tmp_path, as_text):
        """The session and agent loaders refuse a pickle payload as not JSON."""
        marker = tmp_path / "pwned"
        data = pickle_payload(marker)
        payload = data.decode("latin-1") if as_text else data
        for loader in (load_session, load_agent):
            with pytest.raises(SnapshotDecodeError):
                loader(payload)
        assert not marker.exists()
