"""Tests for sessions as a journal: what a crash at a given write leaves, and how runs recover.

A `Dying` store wraps a real store and stops the "process" right after a chosen write
succeeds: the write is stored, and every later store call raises `Killed` (a BaseException,
as nothing in the library may swallow a dying process). A fresh graph on the wrapped store
then recovers from exactly what was written. The real-process version, with SIGKILL after
every write index, is `tests/reliability/test_crash_kit.py`.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from graph_helpers import Calls, ReadTogether, race, respond, weather_agent

from agentcharts import (
    Agent,
    FileSessionStore,
    GraphBuilder,
    MemorySessionStore,
    ScriptedModel,
    SQLiteSessionStore,
    Status,
    ToolContext,
    load_stored_session,
    tool,
)
from agentcharts.exceptions import CorruptSessionError, InvalidSettingError, SessionConflictError
from agentcharts.schemas import dump_session, dumps, load_entry


class Killed(BaseException):
    """The process stopped here."""


class Dying:
    """A store that dies right after the first write whose entries match ``when``."""

    def __init__(self, inner, when=lambda entries: False):
        self.inner = inner
        self.when = when
        self.dead = False
        self.writes: list[tuple[str, int]] = []
        self.threads: set[str] = set()

    def _check(self):
        self.threads.add(threading.current_thread().name)
        if self.dead:
            raise Killed

    def load(self, session_id):
        self._check()
        return self.inner.load(session_id)

    def save(self, session_id, document, *, expected_version):
        self._check()
        version = self.inner.save(session_id, document, expected_version=expected_version)
        self.writes.append(("save", len(document)))
        return version

    def append(self, session_id, entries, *, expected_version):
        self._check()
        version = self.inner.append(session_id, entries, expected_version=expected_version)
        self.writes.append(("append", sum(map(len, entries))))
        if self.when([load_entry(e) for e in entries]):
            self.dead = True
            raise Killed
        return version

    def compact(self, session_id, document, *, version):
        self._check()
        self.inner.compact(session_id, document, version=version)
        self.writes.append(("compact", len(document)))

    def delete(self, session_id, *, expected_version=None):
        self._check()
        self.inner.delete(session_id, expected_version=expected_version)

    def list_sessions(self):
        return self.inner.list_sessions()

    def exists(self, session_id):
        return self.inner.exists(session_id)


def completed(node_id):
    """Matches a write holding ``node_id``'s completion."""
    return lambda entries: any(
        e.kind == "node" and e.event == "complete" and e.node.node_id == node_id for e in entries
    )


def resumed(node_id):
    """Matches a write holding ``node_id``'s resume."""
    return lambda entries: any(
        e.kind == "node" and e.event == "resume" and e.node.node_id == node_id for e in entries
    )


@pytest.fixture(params=["memory", "file", "sqlite"])
def inner(request, tmp_path):
    """A real embedded store, closed after the test."""
    if request.param == "memory":
        yield MemorySessionStore()
    elif request.param == "file":
        yield FileSessionStore(tmp_path / "sessions")
    else:
        store = SQLiteSessionStore(tmp_path / "sessions.db")
        yield store
        store.close()


def diamond(store, calls):
    """a -> (x, y) -> c; every node counts its runs and c returns its inputs."""

    def node(name):
        def run(state):
            calls.hit(name)
            if name == "x":
                time.sleep(0.05)  # y finishes first, x is in flight
            return sorted(state.inputs)

        return run

    return (
        GraphBuilder()
        .add_node(node("a"), "a")
        .add_node(node("x"), "x")
        .add_node(node("y"), "y")
        .add_node(node("c"), "c")
        .add_edge("a", "x")
        .add_edge("a", "y")
        .add_edge("x", "c")
        .add_edge("y", "c")
        .set_session(store, "s1")
        .build()
    )


class TestCrashes:
    @pytest.mark.parametrize("at", ["x", "y"])
    def test_no_node_is_skipped_after_a_crash_at_a_sibling_completion(self, inner, at):
        """Killed right after the write of x's (or y's) completion: c still gets both inputs."""
        calls = Calls()
        with pytest.raises(Killed):
            diamond(Dying(inner, completed(at)), calls)("go")
        result = diamond(inner, calls)(None)
        assert Status.COMPLETED == result.status
        assert ["x", "y"] == result.results["c"].value
        assert {"a", "x", "y", "c"} == set(result.execution_order)
        assert 4 == len(result.execution_order)
        assert 1 == calls["c"]
        stored = load_stored_session(inner.load("s1")).graph
        assert all(n.status is Status.COMPLETED for n in stored.nodes.values())

    def test_an_answer_given_to_parallel_nodes_survives_a_crash(self, inner):
        """a and b answered; b completes and is stored; the process dies while a's tool runs."""
        calls = Calls()

        def build(store):
            return (
                GraphBuilder()
                .add_node(slow_agent("a", calls), "a")
                .add_node(weather_agent("b", calls=calls), "b")
                .set_session(store, "s1")
                .build()
            )

        first = build(inner)("go")
        assert Status.INTERRUPTED == first.status
        answers = {i.id: ("Oslo" if ":a#" in i.id else "Rome") for i in first.interrupts}
        dying = Dying(inner, completed("b"))
        with pytest.raises(Killed):
            build(dying)(respond(*answers.items()))
        result = build(inner)(None)
        assert Status.COMPLETED == result.status
        assert "Weather in Oslo: sunny" in tool_results(inner, "a")
        assert "Weather in Rome: sunny" in tool_results(inner, "b")

    def test_the_answer_of_a_single_node_is_never_dropped(self, inner):
        """Killed right after the node's resume is stored: recovery resumes with the answer."""
        calls = Calls()

        def build(store):
            return (
                GraphBuilder()
                .add_node(slow_agent("a", calls), "a")
                .set_session(store, "s1")
                .build()
            )

        pending = build(inner)("go").interrupts
        with pytest.raises(Killed):
            build(Dying(inner, resumed("a")))(respond((pending[0].id, "Oslo")))
        result = build(inner)(None)
        assert Status.COMPLETED == result.status
        assert () == result.interrupts
        assert "Weather in Oslo: sunny" in tool_results(inner, "a")

    def test_a_crash_before_the_answer_is_stored_asks_again(self, inner):
        """Killed before anything of the resume is written: the question is still pending."""
        calls = Calls()
        graph = GraphBuilder().add_node(slow_agent("a", calls), "a").set_session(inner, "s1")
        pending = graph.build()("go").interrupts
        dying = Dying(inner)
        dying.dead = True
        with pytest.raises(Killed):
            GraphBuilder().add_node(slow_agent("a", calls), "a").set_session(dying, "s1").build()(
                respond((pending[0].id, "Oslo"))
            )
        loaded = load_stored_session(inner.load("s1")).graph
        assert Status.INTERRUPTED == loaded.status
        node = loaded.nodes["a"]
        assert (Status.INTERRUPTED, False) == (node.status, node.answered)
        assert [i.id for i in pending] == [i.id for i in node.agent.interrupts]
        assert 0 == calls["a.answered"]


def slow_agent(name, calls):
    """A weather agent whose tool, once answered, takes a while (a crash lands mid-tool)."""

    @tool(name="weather_tool", context=True)
    def weather_tool(tool_context: ToolContext) -> str:
        """Report the weather where the human says."""
        response = tool_context.interrupt("where", reason="need location")
        calls.hit(f"{name}.answered")
        time.sleep(0.2)
        return f"Weather in {response}: sunny"

    model = ScriptedModel([[{"name": "weather_tool", "input": {}}], f"{name} done"])
    return Agent(name=name, model=model, tools=[weather_tool])


def tool_results(store, node_id):
    """A stored agent node's conversation, as JSON text."""
    agent = load_stored_session(store.load("s1")).graph.nodes[node_id].agent
    return dumps(agent.messages)


class TestClaims:
    def test_two_recoverers_one_runs_the_node(self, inner):
        """Two graphs recover one crashed run at once: one runs it, the other gets the plain
        conflict before running anything."""
        calls = Calls()
        with pytest.raises(Killed):
            diamond(Dying(inner, completed("a")), calls)("go")
        before = {n: calls[n] for n in "axyc"}
        together = ReadTogether(inner)
        outcomes = race(lambda: diamond(together, calls)(None))
        assert 1 == outcomes.count(Status.COMPLETED)
        (lost,) = [o for o in outcomes if o is not Status.COMPLETED]
        assert type(lost) is SessionConflictError
        assert before["c"] + 1 == calls["c"]
        assert before["x"] + 1 >= calls["x"]


class TestWrites:
    def test_a_fan_out_is_written_in_a_few_appends(self):
        """200 parallel function nodes: group commit makes far fewer writes than nodes."""
        store = Dying(MemorySessionStore())
        builder = GraphBuilder().add_node(lambda s: "go", "root")
        for i in range(200):
            builder.add_node(lambda s: "x" * 100, f"n{i}").add_edge("root", f"n{i}")
        graph = builder.set_session(store, "s1").build()
        assert Status.COMPLETED == graph("go").status
        appends = [size for kind, size in store.writes if kind == "append"]
        assert len(appends) < 40
        record = load_stored_session(store.inner.load("s1"))
        assert 201 == len(record.graph.execution_order)

    def test_the_store_is_never_called_on_the_event_loop_thread(self):
        store = Dying(MemorySessionStore())
        graph = GraphBuilder().add_node(lambda s: 1, "a").set_session(store, "s1").build()
        graph("go")
        assert store.threads
        assert all(name.startswith("agentcharts-store") for name in store.threads)

    def test_a_slow_store_does_not_stall_the_event_loop(self):
        """While the store takes 0.4 s per write, the loop keeps ticking every few ms."""
        import asyncio

        class Slow(Dying):
            def append(self, session_id, entries, *, expected_version):
                time.sleep(0.4)  # a row lock held by another connection
                return super().append(session_id, entries, expected_version=expected_version)

        graph = (
            GraphBuilder().add_node(lambda s: 1, "a").set_session(Slow(MemorySessionStore()), "s1")
        )
        built = graph.build()

        async def main():
            gaps = []
            run = asyncio.create_task(built.invoke_async("go"))
            last = time.monotonic()
            while not run.done():
                await asyncio.sleep(0.005)
                now = time.monotonic()
                gaps.append(now - last)
                last = now
            return (await run).status, max(gaps), len(gaps)

        status, worst, ticks = asyncio.run(main())
        assert Status.COMPLETED == status
        assert ticks > 20  # the run took several slow writes...
        assert worst < 0.2  # ...and the loop never waited for one

    def test_exit_durability_writes_once_when_the_invocation_returns(self):
        store = Dying(MemorySessionStore())
        builder = GraphBuilder().add_node(lambda s: 1, "a").add_node(lambda s: 2, "b")
        graph = builder.add_edge("a", "b").set_session(store, "s1", durability="exit").build()
        graph("go")
        assert ["save", "append"] == [kind for kind, _ in store.writes]
        assert Status.COMPLETED == load_stored_session(store.inner.load("s1")).graph.status

    def test_async_durability_is_flushed_before_the_invocation_returns(self):
        store = Dying(MemorySessionStore())
        builder = GraphBuilder().add_node(lambda s: 1, "a").add_node(lambda s: 2, "b")
        graph = builder.add_edge("a", "b").set_session(store, "s1", durability="async").build()
        graph("go")
        record = load_stored_session(store.inner.load("s1"))
        assert Status.COMPLETED == record.graph.status
        assert ("a", "b") == record.graph.execution_order

    def test_the_journal_is_compacted_past_its_threshold(self):
        store = Dying(MemorySessionStore())
        builder = GraphBuilder()
        for i in range(10):
            builder.add_node(lambda s: "x", f"n{i}")
            if i:
                builder.add_edge(f"n{i - 1}", f"n{i}")
        graph = builder.set_session(store, "s1", compact_entries=5).build()
        graph("go")
        assert any(kind == "compact" for kind, _ in store.writes)
        stored = store.inner.load("s1")
        assert len(stored.entries) < 5
        assert stored.snapshot_version > 1
        record = load_stored_session(stored)
        assert Status.COMPLETED == record.graph.status
        assert tuple(f"n{i}" for i in range(10)) == record.graph.execution_order

    @pytest.mark.parametrize(
        ("setting", "value"),
        [("durability", "never"), ("compact_entries", 0), ("compact_bytes", True)],
    )
    def test_bad_session_settings_are_refused(self, setting, value):
        with pytest.raises(InvalidSettingError):
            GraphBuilder().set_session(MemorySessionStore(), "s1", **{setting: value})


class TestReplay:
    def test_an_entry_the_lifecycle_refuses_names_the_session_and_version(self):
        store = MemorySessionStore()
        graph = GraphBuilder().add_node(lambda s: 1, "a").set_session(store, "s1").build()
        graph("go")
        stored = store.load("s1")
        complete = next(e for e in stored.entries if '"event":"complete"' in e)
        store.append("s1", [complete], expected_version=stored.version)
        with pytest.raises(CorruptSessionError, match=rf"'s1'.*entry {stored.version + 1}"):
            graph("again")

    def test_an_entry_that_is_not_an_entry_is_corrupt(self):
        store = MemorySessionStore()
        graph = GraphBuilder().add_node(lambda s: 1, "a").set_session(store, "s1").build()
        graph("go")
        version = store.load("s1").version
        store.append("s1", [json.dumps({"format": "agentcharts.entry"})], expected_version=version)
        with pytest.raises(CorruptSessionError, match=f"entry {version + 1}"):
            graph("again")

    def test_an_entry_naming_an_unknown_node_is_corrupt(self):
        store = MemorySessionStore()
        graph = GraphBuilder().add_node(lambda s: 1, "a").set_session(store, "s1").build()
        graph("go")
        other = GraphBuilder().add_node(lambda s: 1, "b").set_session(store, "s1").build()
        with pytest.raises(CorruptSessionError, match="'a'"):
            other("again")

    def test_a_version_1_document_loads_and_runs_on(self):
        """A session saved by the first format (no journal) is resumed where it stopped."""
        store = MemorySessionStore()
        graph = GraphBuilder().add_node(weather_agent("w"), "w").set_session(store, "s1").build()
        pending = graph("go").interrupts
        record = load_stored_session(store.load("s1"))
        document = json.loads(dump_session(record))
        document["version"] = 1
        for node in document["session"]["graph"]["nodes"].values():
            node.pop("answered", None)
            node.pop("resume_input", None)
        store.save("s1", json.dumps(document), expected_version=store.load("s1").version)
        fresh = GraphBuilder().add_node(weather_agent("w"), "w").set_session(store, "s1").build()
        assert Status.COMPLETED == fresh(respond((pending[0].id, "Oslo"))).status
