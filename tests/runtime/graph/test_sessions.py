"""Tests for graph sessions: checkpoints, fresh-process resumes, conflicts, the stored document."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest
from graph_helpers import Calls, Clock, ReadTogether, plain_agent, race, respond, weather_agent
from syrupy.extensions.json import JSONSnapshotExtension

from agentcharts import (
    FileSessionStore,
    GraphBuilder,
    SessionConflictError,
    SQLiteSessionStore,
    Status,
    load_stored_session,
)
from agentcharts.exceptions import CorruptSessionError
from agentcharts.schemas.persisted import dump_session

HELPERS = pathlib.Path(__file__).resolve().parent


def make_store(kind, tmp_path):
    if kind == "file":
        return FileSessionStore(tmp_path / "sessions")
    return SQLiteSessionStore(tmp_path / "sessions.db")


GRAPHS = {
    "single": """
        def build(store):
            return (GraphBuilder().add_node(weather_agent("weather"), "weather")
                    .set_session(store, "s1").build())
    """,
    "parallel": """
        def build(store):
            return (GraphBuilder()
                    .add_node(weather_agent("a"), "a")
                    .add_node(weather_agent("b"), "b")
                    .add_node(plain_agent("time"), "time")
                    .add_node(plain_agent("join"), "join")
                    .add_edge("a", "join").add_edge("b", "join").add_edge("time", "join")
                    .set_session(store, "s1").build())
    """,
    "nested": """
        def build(store):
            inner = GraphBuilder().add_node(weather_agent("inner"), "inner").build()
            return (GraphBuilder().add_node(inner, "nested")
                    .add_node(plain_agent("after"), "after").add_edge("nested", "after")
                    .set_session(store, "s1").build())
    """,
}


def run_child(kind, shape, store_path, action):
    """Build the graph in a fresh interpreter and run one step there; return its summary."""
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(HELPERS)!r})
        from graph_helpers import weather_agent, plain_agent
        from agentcharts import GraphBuilder, FileSessionStore, SQLiteSessionStore
        """
    )
    script += textwrap.dedent(GRAPHS[shape])
    store = "FileSessionStore" if kind == "file" else "SQLiteSessionStore"
    script += textwrap.dedent(
        f"""
        graph = build({store}(sys.argv[1]))
        action = json.loads(sys.argv[2])
        if action == "start":
            result = graph("what is the weather?")
        else:
            result = graph([{{"interruptResponse": {{"interruptId": i, "response": "Oslo"}}}} for i in action])
        print(json.dumps({{
            "status": result.status.value,
            "interrupts": [i.id for i in result.interrupts],
            "order": list(result.execution_order),
        }}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(store_path), json.dumps(action)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
class TestFreshProcess:
    @pytest.mark.parametrize("kind", ["file", "sqlite"])
    @pytest.mark.parametrize("shape", ["single", "parallel", "nested"])
    def test_resume_in_a_fresh_process(self, tmp_path, kind, shape):
        """A graph interrupted in one process is resumed from the store alone in another."""
        store_path = tmp_path / ("sessions" if kind == "file" else "sessions.db")
        first = run_child(kind, shape, store_path, "start")
        assert "interrupted" == first["status"]
        expected = {"single": 1, "parallel": 2, "nested": 1}[shape]
        assert expected == len(first["interrupts"])
        second = run_child(kind, shape, store_path, first["interrupts"])
        assert "completed" == second["status"]
        assert len(set(second["order"])) == len(second["order"])
        record = load_stored_session(make_store(kind, tmp_path).load("s1"))
        assert Status.COMPLETED == record.graph.status


class TestCheckpoints:
    @pytest.mark.parametrize("kind", ["file", "sqlite"])
    def test_every_change_is_saved(self, tmp_path, kind):
        """The store holds the interrupted state, then the completed one."""
        store = make_store(kind, tmp_path)
        graph = GraphBuilder().add_node(weather_agent(), "w").set_session(store, "s1").build()
        result = graph("go")
        saved = load_stored_session(store.load("s1"))
        assert Status.INTERRUPTED == saved.graph.status
        assert Status.INTERRUPTED == saved.graph.nodes["w"].status
        assert saved.graph.nodes["w"].agent is not None
        graph(respond((result.interrupts[0].id, "Oslo")))
        assert Status.COMPLETED == load_stored_session(store.load("s1")).graph.status

    def test_two_resumers_one_wins(self, tmp_path):
        """Two graph instances resuming one session at once: one completes, the other gets
        the plain conflict, and the tool acts once."""
        store = make_store("sqlite", tmp_path)
        calls = Calls()
        first = GraphBuilder().add_node(weather_agent(calls=calls), "w")
        pending = first.set_session(store, "s1").build()("go").interrupts[0]
        together = ReadTogether(store)

        def resume():
            graph = GraphBuilder().add_node(weather_agent(calls=calls), "w")
            return graph.set_session(together, "s1").build()(respond((pending.id, "Oslo")))

        outcomes = race(resume)
        assert 1 == outcomes.count(Status.COMPLETED)
        assert [SessionConflictError] == [type(o) for o in outcomes if o is not Status.COMPLETED]
        assert 2 == calls["weather.tool"]  # asked once, then acted once on the answer
        assert Status.COMPLETED == load_stored_session(store.load("s1")).graph.status

    def test_corrupt_session_is_named(self, tmp_path):
        """A stored session that does not decode raises an error naming the session."""
        store = make_store("file", tmp_path)
        store.save(
            "s1", json.dumps({"format": "agentcharts.session", "version": 1}), expected_version=None
        )
        graph = GraphBuilder().add_node(lambda s: 1, "a").set_session(store, "s1").build()
        with pytest.raises(CorruptSessionError, match="'s1'"):
            graph("go")

    def test_completed_session_starts_a_new_run(self, tmp_path):
        """A new task on a completed session starts a fresh run in the same session."""
        store = make_store("sqlite", tmp_path)
        calls = Calls()
        graph = (
            GraphBuilder()
            .add_node(plain_agent("a", calls=calls), "a")
            .set_session(store, "s1")
            .build()
        )
        assert Status.COMPLETED == graph("one").status
        assert Status.COMPLETED == graph("two").status
        assert 2 == calls["a"]


def zero_clocks(value):
    if isinstance(value, dict):
        return {k: (0 if k == "execution_time_ms" else zero_clocks(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [zero_clocks(v) for v in value]
    return value


class TestDocuments:
    def test_persisted_session_document(self, tmp_path, snapshot):
        """The stored document of an interrupted parallel graph, with fixed clocks."""
        store = make_store("file", tmp_path)
        graph = (
            GraphBuilder()
            .add_node(weather_agent("a"), "a")
            .add_node(plain_agent("b"), "b")
            .set_session(store, "doc")
            .set_clock(Clock())
            .build()
        )
        graph("go")
        replayed = load_stored_session(store.load("doc"))  # the snapshot with its journal
        document = zero_clocks(json.loads(dump_session(replayed)))
        assert document == snapshot(extension_class=JSONSnapshotExtension)

    @pytest.mark.parametrize("scenario", ["basic", "parallel", "multiple", "reject"])
    def test_transition_traces(self, scenario, snapshot, runner):
        """The ordered transitions of each seed scenario, as the session stores them."""
        from agentcharts import MemorySessionStore

        store = MemorySessionStore()
        builder = GraphBuilder().set_session(store, "t").set_clock(Clock())
        if scenario == "basic":
            builder.add_node(weather_agent("w"), "w")
        elif scenario == "parallel":
            builder.add_node(weather_agent("w"), "w").add_node(plain_agent("p"), "p")
        elif scenario == "multiple":
            builder.add_node(weather_agent("a"), "a").add_node(weather_agent("b"), "b")
        else:
            from graph_helpers import ApproveLookups

            agent = plain_agent("r")
            agent.hooks = type(agent.hooks)([ApproveLookups()])
            builder.add_node(agent, "r")
        graph = builder.build()
        result = runner(graph, "go")
        answer = "no" if scenario == "reject" else "Oslo"
        ids = sorted(i.id for i in result.interrupts)
        assert Status.COMPLETED == runner(graph, respond(*((i, answer) for i in ids))).status
        record = load_stored_session(store.load("t"))
        rows = [(r.machine, r.machine_id, r.source, r.event, r.target) for r in record.transitions]
        per_machine: dict[str, list[tuple[str, str, str]]] = {}
        for kind, machine_id, source, event, target in rows:
            if kind in {"graph", "node"}:
                per_machine.setdefault(f"{kind}:{machine_id}", []).append((source, event, target))
        assert per_machine == snapshot(name="graph_and_nodes")
        assert sorted(rows) == snapshot(name="all_sorted")
