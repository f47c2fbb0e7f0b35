"""Tests for `agentcharts.runtime.graph`: building, running, interrupts and resumes."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from graph_helpers import ApproveLookups, Calls, plain_agent, respond, weather_agent

from agentcharts import (
    Agent,
    BeforeNodeCallEvent,
    ConcurrencyRegistry,
    DefinitionError,
    GraphBuilder,
    ResumeInputError,
    ScriptedModel,
    Status,
    ToolContext,
    UnknownInterruptError,
    tool,
)
from agentcharts.exceptions import InvalidSettingError, NodeFailures, NotInterruptedError


class TestBuild:
    def test_duplicate_ids(self):
        """Two nodes with one id are refused."""
        builder = GraphBuilder().add_node(lambda s: 1, "a").add_node(lambda s: 2, "a")
        with pytest.raises(DefinitionError, match="duplicate node id 'a'"):
            builder.build()

    def test_edge_to_unknown_node(self):
        """An edge naming an unknown node is refused."""
        builder = GraphBuilder().add_node(lambda s: 1, "a").add_edge("a", "ghost")
        with pytest.raises(DefinitionError, match="unknown node 'ghost'"):
            builder.build()

    def test_no_entry_point(self):
        """A graph where every node has an incoming edge needs an explicit entry point."""
        builder = (
            GraphBuilder()
            .add_node(lambda s: 1, "a")
            .add_node(lambda s: 2, "b")
            .add_edge("a", "b")
            .add_edge("b", "a")
        )
        with pytest.raises(DefinitionError, match="no entry point"):
            builder.build()
        assert ("a",) == builder.set_entry_point("a").build().entry_points

    def test_shared_executor(self):
        """One executor instance may not serve two nodes."""
        agent = plain_agent("x")
        builder = GraphBuilder().add_node(agent, "a").add_node(agent, "b")
        with pytest.raises(DefinitionError, match="share one executor"):
            builder.build()

    def test_one_function_may_serve_many_nodes(self):
        """A plain function holds no state, so a fan-out can use one worker function."""
        seen = []

        def worker(state):
            seen.append(state.node_id)
            return state.node_id

        builder = GraphBuilder().add_node(lambda s: "go", "src")
        for i in range(3):
            builder.add_node(worker, f"w{i}").add_edge("src", f"w{i}")
        result = builder.build()("task")
        assert Status.COMPLETED == result.status
        assert ["w0", "w1", "w2"] == sorted(seen)
        assert "w1" == result.results["w1"].text

    def test_shared_nested_graph(self):
        """One nested graph instance may not serve two nodes either: it holds its run."""
        inner = GraphBuilder().add_node(lambda s: "x", "x").build()
        builder = GraphBuilder().add_node(inner, "a").add_node(inner, "b")
        with pytest.raises(DefinitionError, match="share one executor"):
            builder.build()

    def test_bad_executor_and_settings(self):
        """A non-callable executor and out-of-range limits are clear errors."""
        with pytest.raises(DefinitionError, match="must be an Agent, a Graph, or a function"):
            GraphBuilder().add_node(42, "a").build()
        with pytest.raises(InvalidSettingError):
            GraphBuilder().set_max_node_executions(0)
        with pytest.raises(InvalidSettingError):
            GraphBuilder().set_node_timeout(-1)

    def test_entry_points_inferred(self):
        """Without set_entry_point, the nodes with no incoming edge are the entry points."""
        graph = (
            GraphBuilder()
            .add_node(lambda s: 1, "a")
            .add_node(lambda s: 2, "b")
            .add_node(lambda s: 3, "c")
            .add_edge("a", "c")
            .add_edge("b", "c")
            .build()
        )
        assert ("a", "b") == graph.entry_points


class TestSeedExample:
    def test_example_usage(self):
        """The seed's Example Usage, with a scripted model, runs as written."""

        @tool(name="weather_tool", context=True)
        def weather_tool(tool_context: ToolContext) -> str:
            response = tool_context.interrupt("weather_approval", reason="need location")
            return f"Weather in {response}: sunny"

        model = ScriptedModel([[{"name": "weather_tool", "input": {}}], "It is sunny."])
        weather_agent = Agent(name="weather", tools=[weather_tool], model=model)

        builder = GraphBuilder()
        builder.add_node(weather_agent, "weather_agent")
        graph = builder.build()

        result = graph("What is the weather?")
        assert result.status == Status.INTERRUPTED
        assert len(result.interrupts) == 1
        assert result.interrupts[0].name == "weather_approval"

        responses = [
            {
                "interruptResponse": {
                    "interruptId": result.interrupts[0].id,
                    "response": "Seattle",
                },
            },
        ]
        result = graph(responses)
        assert result.status == Status.COMPLETED
        assert "It is sunny." == result.results["weather_agent"].text


class TestRunning:
    def test_function_nodes_and_inputs(self, runner):
        """Function nodes (sync and async) see the graph state and their inputs."""

        async def double(state):
            return int(state.inputs["one"]) * 2

        graph = (
            GraphBuilder()
            .add_node(lambda state: 21 if state.task == "go" else 0, "one")
            .add_node(double, "two")
            .add_edge("one", "two")
            .build()
        )
        result = runner(graph, "go")
        assert Status.COMPLETED == result.status
        assert 42 == result.results["two"].value
        assert ("one", "two") == result.execution_order
        assert (2, 0) == (result.completed_nodes, result.failed_nodes)

    def test_ready_nodes_run_concurrently(self, runner):
        """Nodes whose dependencies are met run at the same time."""
        barrier = threading.Barrier(3, timeout=5)

        def meet(state):
            barrier.wait()
            return state.node_id

        builder = GraphBuilder()
        for name in "abc":
            builder.add_node(lambda s, f=meet: f(s), name)
        result = runner(builder.build(), "go")
        assert Status.COMPLETED == result.status

    def test_fan_in_runs_once_after_all_branches(self, runner):
        """A fan-in waits for every branch, including a longer one, and runs once."""
        calls = Calls()

        def node(name, delay=0.0):
            def run(state):
                time.sleep(delay)
                calls.hit(name)
                return name

            return run

        graph = (
            GraphBuilder()
            .add_node(node("a"), "a")
            .add_node(node("b", 0.05), "b")
            .add_node(node("c", 0.05), "c")
            .add_node(node("d"), "d")
            .add_edge("a", "b")
            .add_edge("b", "c")
            .add_edge("a", "d")
            .add_edge("c", "d")
            .build()
        )
        result = runner(graph, "go")
        assert ("a", "b", "c", "d") == result.execution_order
        assert 1 == calls["d"]

    def test_conditional_branch_not_waited_for(self, runner):
        """A branch cut off by a false condition does not hold up a fan-in."""
        graph = (
            GraphBuilder()
            .add_node(lambda s: "route", "start")
            .add_node(lambda s: "left", "left")
            .add_node(lambda s: "right", "right")
            .add_node(lambda s: sorted(s.inputs), "join")
            .add_edge("start", "left", condition=lambda s: True)
            .add_edge("start", "right", condition=lambda s: False)
            .add_edge("left", "join")
            .add_edge("right", "join")
            .build()
        )
        result = runner(graph, "go")
        assert Status.COMPLETED == result.status
        assert ["left"] == result.results["join"].value
        assert Status.PENDING == result.results["right"].status

    def test_cycle_bounded(self, runner):
        """A cycle stops when its condition says so; without one, max_node_executions fails it."""
        counter = {"n": 0}

        def bump(state):
            counter["n"] += 1
            return counter["n"]

        def build(limit=None):
            builder = (
                GraphBuilder()
                .add_node(bump, "loop")
                .add_node(lambda s: "out", "exit")
                .add_edge("loop", "loop", condition=lambda s: s.results["loop"].value < 3)
                .add_edge("loop", "exit", condition=lambda s: s.results["loop"].value >= 3)
                .set_entry_point("loop")
            )
            if limit:
                builder.set_max_node_executions(limit)
            return builder.build()

        result = runner(build(), "go")
        assert ("loop", "loop", "loop", "exit") == result.execution_order
        assert 3 == result.results["loop"].execution_count

        counter["n"] = -100
        failed = runner(build(limit=5), "go")
        assert Status.FAILED == failed.status
        assert "max_node_executions=5" in failed.error
        assert 5 == failed.results["loop"].execution_count

    def test_a_fan_out_launched_at_once_stays_within_max_node_executions(self, runner):
        """Ten children ready together under a limit of five: five executions, then FAILED."""
        builder = GraphBuilder().add_node(lambda s: "go", "root").set_max_node_executions(5)
        for i in range(10):
            builder.add_node(lambda s: "child", f"c{i}").add_edge("root", f"c{i}")
        result = runner(builder.build(), "go")
        assert Status.FAILED == result.status
        assert "max_node_executions=5" in result.error
        assert 5 == sum(r.execution_count for r in result.results.values())

    def test_node_timeout(self, runner):
        """A node that runs past the node timeout fails with a clear message."""

        async def slow(state):
            await asyncio.sleep(5)

        graph = GraphBuilder().add_node(slow, "slow").set_node_timeout(0.1).build()
        result = runner(graph, "go")
        assert Status.FAILED == result.status
        assert "NodeTimeoutError: node 'slow' timed out after 0.1s" == result.results["slow"].error
        with pytest.raises(NodeFailures):
            result.raise_for_failures()

    def test_execution_timeout(self, runner):
        """Exceeding the execution timeout fails the graph."""

        async def slow(state):
            await asyncio.sleep(5)

        graph = GraphBuilder().add_node(slow, "slow").set_execution_timeout(0.1).build()
        result = runner(graph, "go")
        assert Status.FAILED == result.status
        assert "timed out after 0.1s" in result.error
        assert Status.FAILED == result.results["slow"].status

    def test_failed_node_fails_the_graph(self, runner):
        """A failing node fails the graph; no new node starts after it."""

        def boom(state):
            raise ValueError("broken")

        graph = (
            GraphBuilder().add_node(boom, "a").add_node(lambda s: 1, "b").add_edge("a", "b").build()
        )
        result = runner(graph, "go")
        assert Status.FAILED == result.status
        assert "ValueError: broken" == result.results["a"].error
        assert Status.PENDING == result.results["b"].status

    def test_stream_events(self):
        """stream_async yields node and agent events, ending with the result."""
        graph = GraphBuilder().add_node(plain_agent("a"), "a").build()

        async def collect():
            return [e async for e in graph.stream_async("go")]

        kinds = [e.type for e in asyncio.run(collect())]
        assert "node_started" == kinds[0]
        assert "node_stream" in kinds
        assert ["node_completed", "graph_finished"] == kinds[-2:]


class TestConcurrencyGuard:
    def test_limit_holds_across_parallel_nodes(self, runner):
        """Agent nodes sharing a name never hold more slots than its limit."""
        registry = ConcurrencyRegistry()
        registry.set_limit("worker", 1)
        live = {"now": 0, "max": 0}
        lock = threading.Lock()

        def make(node):
            @tool
            def work() -> str:
                """Do some work."""
                with lock:
                    live["now"] += 1
                    live["max"] = max(live["max"], live["now"])
                time.sleep(0.05)
                with lock:
                    live["now"] -= 1
                return node

            return Agent(
                name="worker",
                model=ScriptedModel([[{"name": "work", "input": {}}], "ok"]),
                tools=[work],
            )

        builder = GraphBuilder().set_concurrency(registry)
        for node in "abc":
            builder.add_node(make(node), node)
        result = runner(builder.build(), "go")
        assert Status.COMPLETED == result.status
        assert 1 == live["max"]
        assert 0 == registry.stats("worker").held

    def test_interrupted_node_holds_no_slot(self, runner):
        """An interrupted node gives its slot back."""
        registry = ConcurrencyRegistry()
        registry.set_limit("weather", 1)
        graph = GraphBuilder().add_node(weather_agent(), "w").set_concurrency(registry).build()
        result = runner(graph, "go")
        assert Status.INTERRUPTED == result.status
        assert 0 == registry.stats("weather").held
        final = runner(graph, respond((result.interrupts[0].id, "Oslo")))
        assert Status.COMPLETED == final.status
        assert 0 == registry.stats("weather").held


class TestInterrupts:
    def test_parallel_siblings_complete(self, runner):
        """One node of a batch interrupts; its sibling completes; dependents wait."""
        calls = Calls()
        graph = (
            GraphBuilder()
            .add_node(weather_agent("weather", calls), "weather")
            .add_node(plain_agent("time", calls=calls), "time")
            .add_node(plain_agent("summary", calls=calls), "summary")
            .add_edge("weather", "summary")
            .add_edge("time", "summary")
            .build()
        )
        result = runner(graph, "go")
        assert Status.INTERRUPTED == result.status
        assert Status.COMPLETED == result.results["time"].status
        assert Status.PENDING == result.results["summary"].status
        assert ["weather_approval"] == [i.name for i in result.interrupts]

        final = runner(graph, respond((result.interrupts[0].id, "Oslo")))
        assert Status.COMPLETED == final.status
        assert ("time", "weather", "summary") == final.execution_order
        assert (1, 1, 2) == (calls["time"], calls["summary"], calls["weather.tool"])
        assert "From weather:\nweather done" in graph.executors["summary"].agent.messages[0].text

    def test_multiple_interrupts_and_partial_answers(self, runner):
        """Two nodes interrupt at once; answering one keeps the graph interrupted."""
        calls = Calls()
        graph = (
            GraphBuilder()
            .add_node(weather_agent("a", calls), "a")
            .add_node(weather_agent("b", calls), "b")
            .add_node(plain_agent("join", calls=calls), "join")
            .add_edge("a", "join")
            .add_edge("b", "join")
            .build()
        )
        result = runner(graph, "go")
        ids = {i.owner.split("#")[0]: i.id for i in result.interrupts}
        assert {"a", "b"} == set(ids)
        assert ids["a"] != ids["b"]

        partial = runner(graph, respond((ids["a"], "Rome")))
        assert Status.INTERRUPTED == partial.status
        assert [ids["b"]] == [i.id for i in partial.interrupts]
        assert Status.COMPLETED == partial.results["a"].status
        assert 0 == calls["join"]

        final = runner(graph, respond((ids["b"], "Oslo")))
        assert Status.COMPLETED == final.status
        assert 1 == calls["join"]
        assert (2, 2) == (calls["a.tool"], calls["b.tool"])

    def test_reject_through_a_tool_hook(self, runner):
        """A human rejects a tool through a hook; the agent goes on and the graph completes."""
        calls = Calls()
        agent = plain_agent("careful", calls=calls)
        agent.hooks = type(agent.hooks)([ApproveLookups()])
        graph = GraphBuilder().add_node(agent, "careful").build()
        result = runner(graph, "go")
        assert ["approve"] == [i.name for i in result.interrupts]
        final = runner(graph, respond((result.interrupts[0].id, "no")))
        assert Status.COMPLETED == final.status
        assert 0 == calls["careful"]
        (block,) = Agent.tool_results(agent.messages)
        assert "rejected by the human" == block.content["error"]

    def test_before_node_hook_interrupt_and_cancel(self, runner):
        """A before-node-call hook asks first; 'no' cancels the node, 'yes' runs it."""

        class Gate:
            def register_hooks(self, registry):
                registry.add(BeforeNodeCallEvent, self.check)

            def check(self, event):
                if event.node_id == "risky" and event.interrupt("run_risky") != "yes":
                    event.cancel_node = "the human said no"

        def build():
            return (
                GraphBuilder()
                .add_node(lambda s: "safe", "safe")
                .add_node(lambda s: "risky ran", "risky")
                .add_edge("safe", "risky")
                .set_hooks([Gate()])
                .build()
            )

        graph = build()
        first = runner(graph, "go")
        assert Status.INTERRUPTED == first.status
        (pending,) = first.interrupts
        assert pending.id.startswith("v1:before_node_call:risky#1:")
        rejected = runner(graph, respond((pending.id, "no")))
        assert Status.FAILED == rejected.status
        assert "Cancelled: the human said no" == rejected.results["risky"].error

        graph = build()
        first = runner(graph, "go")
        approved = runner(graph, respond((first.interrupts[0].id, "yes")))
        assert Status.COMPLETED == approved.status
        assert "risky ran" == approved.results["risky"].text

    def test_bad_resumes(self, runner):
        """A task while interrupted, unknown ids and responses when idle are typed errors."""
        graph = GraphBuilder().add_node(weather_agent(), "w").build()
        with pytest.raises(NotInterruptedError):
            runner(graph, respond(("x", 1)))
        pending = runner(graph, "go").interrupts[0]
        with pytest.raises(ResumeInputError) as caught:
            runner(graph, "another task")
        assert (pending.id,) == caught.value.pending_ids
        with pytest.raises(UnknownInterruptError):
            runner(graph, respond(("v1:tool:nope", 1)))
        assert Status.COMPLETED == runner(graph, respond((pending.id, "Oslo"))).status

    def test_nested_graph_interrupt_reaches_outer(self, runner):
        """An agent inside a nested graph interrupts; the outer graph surfaces and resumes it."""
        inner = GraphBuilder().add_node(weather_agent(), "inner_weather").build()
        outer = (
            GraphBuilder()
            .add_node(inner, "nested")
            .add_node(lambda s: s.inputs["nested"].upper(), "shout")
            .add_edge("nested", "shout")
            .build()
        )
        result = runner(outer, "go")
        assert Status.INTERRUPTED == result.status
        (pending,) = result.interrupts
        assert pending.owner.startswith("nested#1/inner_weather#1")
        final = runner(outer, respond((pending.id, "Lima")))
        assert Status.COMPLETED == final.status
        assert "WEATHER DONE" == final.results["shout"].text

    def test_continue_mode_runs_independent_branches(self, runner):
        """With interrupt mode 'continue', a branch that does not depend on the interrupt runs on."""
        calls = Calls()

        def build(mode):
            return (
                GraphBuilder()
                .add_node(weather_agent("w", calls), "w")
                .add_node(lambda s: "a", "a")
                .add_node(lambda s: calls.hit("b") or "b", "b")
                .add_edge("a", "b")
                .set_interrupt_mode(mode)
                .build()
            )

        barrier_result = runner(build("barrier"), "go")
        assert Status.INTERRUPTED == barrier_result.status
        continue_result = runner(build("continue"), "go")
        assert Status.INTERRUPTED == continue_result.status
        assert Status.COMPLETED == continue_result.results["b"].status
