"""The scheduler's per-node work does not grow with the graph, and its shortcuts stay exact."""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path

import pytest
from graph_helpers import respond, weather_agent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentcharts
from agentcharts import GraphBuilder, Status
from agentcharts.runtime.graph._results import GraphState
from agentcharts.runtime.graph._scheduler import Scheduler

PACKAGE = str(Path(agentcharts.__file__).parent)


def build(shape: str, n: int):
    """A chain of n function nodes, or src -> n workers -> join."""
    builder = GraphBuilder()

    def node(node_id):
        async def work(state):
            return node_id

        builder.add_node(work, node_id)

    if shape == "chain":
        ids = [f"n{i}" for i in range(n)]
        for node_id in ids:
            node(node_id)
        for a, b in itertools.pairwise(ids):
            builder.add_edge(a, b)
    else:
        node("src")
        node("join")
        for i in range(n):
            node(f"w{i}")
            builder.add_edge("src", f"w{i}")
            builder.add_edge(f"w{i}", "join")
    return builder.build()


def lines_per_node(shape: str, n: int) -> float:
    """Lines of agentcharts executed per node by one warm run (a count, not a time)."""
    graph = build(shape, n)
    assert Status.COMPLETED == graph("warm").status
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if not frame.f_code.co_filename.startswith(PACKAGE):
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        result = graph("task")
    finally:
        sys.settrace(None)
    assert Status.COMPLETED == result.status
    return count / len(result.execution_order)


class TestConstantWorkPerNode:
    @pytest.mark.parametrize("shape", ["chain", "fanout"])
    def test_lines_executed_per_node_do_not_grow(self, shape):
        """Ten times the nodes: the lines run per node stay within 5% (no scan of all nodes)."""
        small = lines_per_node(shape, 40)
        large = lines_per_node(shape, 400)
        assert large <= small * 1.05, (small, large)

    def test_executions_are_counted_not_summed(self):
        """The counter matches the nodes' counts after a run, a cycle and a restore."""
        builder = GraphBuilder().set_max_node_executions(7)
        turns = iter(range(100))

        async def loop(state):
            return str(next(turns))

        async def first(state):
            return "first"

        builder.add_node(first, "first").add_node(loop, "loop")
        builder.add_edge("first", "loop").add_edge("loop", "loop")
        graph = builder.build()
        result = graph("go")
        assert Status.FAILED == result.status
        assert "max_node_executions=7" in (result.error or "")
        run = graph._run
        assert 7 == run.executions == sum(n.execution_count for n in run.nodes.values())
        graph.restore(graph.snapshot())
        assert 7 == graph._run.executions

    def test_the_status_index_follows_every_transition(self):
        """After interrupting, answering and restoring, the index equals a scan of the nodes."""
        builder = GraphBuilder().add_node(weather_agent("a"), "a")
        builder.add_node(weather_agent("b"), "b").add_node(lambda s: "c", "c")
        graph = builder.add_edge("a", "c").add_edge("b", "c").build()

        def check():
            run = graph._run
            for status in Status:
                scanned = [n for n in run.nodes.values() if n.status is status]
                assert scanned == run.nodes_in(status)
                assert {n.node_id for n in scanned} == set(run.ids_in(status))

        first = graph("weather?")
        assert Status.INTERRUPTED == first.status
        check()
        graph.restore(graph.snapshot())
        check()
        answers = respond(*((i.id, "yes") for i in first.interrupts))
        assert Status.COMPLETED == graph(answers).status
        check()


class TestGraphStateView:
    def test_execution_order_is_fixed_when_the_view_is_made(self):
        """A view made mid-run keeps the order it saw, though the run's list grows later."""
        order = ["a", "b"]
        view = GraphState("t", order, lambda: ({}, {}))
        order.append("c")
        assert ("a", "b") == view.execution_order
        assert view.execution_order is view.execution_order

    def test_function_nodes_see_the_order_so_far(self):
        """Each node of a chain sees exactly the nodes before it."""
        seen = {}
        builder = GraphBuilder()
        for i in range(4):

            def work(state, i=i):
                seen[i] = state.execution_order
                return str(i)

            builder.add_node(work, f"n{i}")
        for i in range(3):
            builder.add_edge(f"n{i}", f"n{i + 1}")
        builder.build()("go")
        assert {i: tuple(f"n{k}" for k in range(i)) for i in range(4)} == seen


def naive_blocked(scheduler, node_id, candidates, interrupted):
    """The readiness rule as the module docstring states it, computed from scratch."""
    fired = set(scheduler.run_state.pending_inputs.get(node_id, ()))
    waiting = {p for p in scheduler.graph.predecessors[node_id] if p not in fired}
    active = scheduler.running | set(interrupted) | candidates
    if waiting & active:
        return True
    seen = active - {node_id}
    frontier = list(seen)
    while frontier:
        current = frontier.pop()
        if current in waiting:
            return True
        for edge in scheduler.graph.successors[current]:
            if edge.target not in seen and edge.target != node_id:
                seen.add(edge.target)
                frontier.append(edge.target)
    return False


graphs = st.integers(min_value=2, max_value=7).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(
                st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from([None, True, False])
            ),
            min_size=1,
            max_size=14,
            unique_by=lambda e: (e[0], e[1]),
        ),
        st.lists(st.floats(0, 0.002), min_size=n, max_size=n),
    )
)


class TestIncrementalReadiness:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=graphs)
    def test_matches_the_rule_computed_from_scratch(self, spec, monkeypatch_module):
        """On random graphs (cycles, cut edges, fan-ins), every readiness check agrees."""
        n, edges, delays = spec
        builder = GraphBuilder().set_max_node_executions(3 * n)
        for i in range(n):

            async def work(state, i=i):
                await asyncio.sleep(delays[i])
                return str(i)

            builder.add_node(work, f"n{i}")
        for source, target, condition in edges:
            if condition is None:
                builder.add_edge(f"n{source}", f"n{target}")
            else:
                builder.add_edge(f"n{source}", f"n{target}", condition=lambda s, c=condition: c)
        sources = {t for _, t, _ in edges}
        entries = [f"n{i}" for i in range(n) if i not in sources] or ["n0"]
        for entry in entries:
            builder.set_entry_point(entry)
        graph = builder.build()
        graph("go")
        assert monkeypatch_module.checks > 0


@pytest.fixture(scope="module")
def monkeypatch_module():
    """Wrap the scheduler's readiness check so every call is compared with the naive rule."""
    original = Scheduler._blocked

    class Counter:
        checks = 0

    def checked(self, node_id, candidates, interrupted):
        fast = original(self, node_id, candidates, interrupted)
        assert naive_blocked(self, node_id, candidates, interrupted) == fast, node_id
        Counter.checks += 1
        return fast

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Scheduler, "_blocked", checked)
        yield Counter
