"""Tests for `agentcharts.runtime.agent`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta

import pytest

from agentcharts import (
    Agent,
    BeforeToolCallEvent,
    FunctionModel,
    ResumeInputError,
    ScriptedModel,
    ToolConfig,
    ToolContext,
    UnknownInterruptError,
    tool,
)
from agentcharts.exceptions import NotInterruptedError
from agentcharts.machines import TransitionRecorder
from agentcharts.runtime.hooks import (
    AfterInvocationEvent,
    AfterModelCallEvent,
    AfterToolCallEvent,
    BeforeInvocationEvent,
    BeforeModelCallEvent,
)
from agentcharts.schemas.messages import ToolResultBlock
from agentcharts.schemas.persisted import dump_agent
from agentcharts.schemas.status import InterruptStatus, ToolCallStatus


class Clock:
    def __init__(self):
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


def trace(recorder):
    return [(r.machine, r.machine_id, r.source, r.event, r.target) for r in recorder.records]


def results_of(agent):
    return {b.tool_use_id: b for b in Agent.tool_results(agent.messages)}


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


class Counter:
    def __init__(self):
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()

    def hit(self, name):
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1


def approval_tools(counter):
    @tool(context=True)
    def ask_human(question: str, tool_context: ToolContext) -> str:
        """Ask a human a question."""
        counter.hit("ask_human")
        answer = tool_context.interrupt("need_input", reason={"question": question})
        return f"human said {answer}"

    @tool
    def lookup(city: str) -> str:
        """Look up the weather."""
        counter.hit("lookup")
        return f"sunny in {city}"

    return [ask_human, lookup]


def resume(*pairs):
    return [{"interruptResponse": {"interruptId": i, "response": r}} for i, r in pairs]


class TestPlainTurns:
    def test_final_answer(self, runner):
        """A model that answers at once gives an end_turn result whose str is the text."""
        agent = Agent(name="a", model=ScriptedModel(["hello there"]))
        result = runner(agent, "hi")
        assert "end_turn" == result.stop_reason
        assert "hello there" == str(result)
        assert () == result.interrupts

    def test_tool_turn(self, runner):
        """The model asks for a tool, sees its result, then answers."""
        seen = []

        def model(messages, tool_specs):
            seen.append([s.name for s in tool_specs])
            if len(messages) == 1:
                return [{"name": "add", "input": {"a": 2, "b": 3}}]
            results = Agent.tool_results(messages)
            return f"the sum is {results[-1].content}"

        agent = Agent(name="calc", model=FunctionModel(model), tools=[add])
        result = runner(agent, "add 2 and 3")
        assert "the sum is 5" == str(result)
        assert [["add"], ["add"]] == seen
        assert ["user", "assistant", "user", "assistant"] == [m.role for m in agent.messages]

    def test_parallel_tools_run_concurrently(self, runner):
        """Several tools of one turn run at the same time."""
        barrier = threading.Barrier(2, timeout=5)

        @tool
        def meet(name: str) -> str:
            """Wait for the other tool."""
            barrier.wait()
            return name

        model = ScriptedModel(
            [
                [
                    {"name": "meet", "input": {"name": "x"}},
                    {"name": "meet", "input": {"name": "y"}},
                ],
                "ok",
            ]
        )
        result = runner(Agent(name="p", model=model, tools=[meet]), "go")
        assert "ok" == str(result)

    def test_sequential_tools_keep_order(self, runner):
        """With parallel=False, tools run one after the other in the model's order."""
        order = []

        @tool
        def step(n: int) -> int:
            """Record a step."""
            order.append(n)
            return n

        calls = [{"name": "step", "input": {"n": n}} for n in range(4)]
        agent = Agent(
            name="s",
            model=ScriptedModel([calls, "done"]),
            tools=[step],
            tool_config=ToolConfig(parallel=False),
        )
        runner(agent, "go")
        assert [0, 1, 2, 3] == order

    def test_max_turns(self, runner):
        """The agent stops at the turn limit."""
        agent = Agent(
            name="loop",
            model=FunctionModel(lambda m, t: [{"name": "add", "input": {"a": 1, "b": 1}}]),
            tools=[add],
            max_turns=3,
        )
        result = runner(agent, "spin")
        assert "max_turns" == result.stop_reason

    def test_sync_call_inside_a_running_loop(self):
        """agent(...) works from a thread whose event loop is running."""
        agent = Agent(name="a", model=ScriptedModel(["fine"]))

        async def main():
            return agent("hi")

        assert "fine" == str(asyncio.run(main()))

    def test_stream_yields_text_and_tool_events(self):
        """stream_async yields text deltas, tool events and the final result."""
        agent = Agent(
            name="a",
            model=ScriptedModel([[{"name": "add", "input": {"a": 1, "b": 2}}], "three it is"]),
            tools=[add],
        )

        async def collect():
            return [event async for event in agent.stream_async("go")]

        events = asyncio.run(collect())
        kinds = [e.type for e in events]
        assert "tool_call_started" in kinds
        assert "tool_call_finished" in kinds
        assert "agent_finished" == kinds[-1]
        text = "".join(e.text for e in events if e.type == "text_delta")
        assert "three it is" == text


class TestToolErrors:
    def test_invalid_input(self, runner):
        """Input that does not match the schema becomes an error result the model sees."""
        agent = Agent(
            name="a",
            model=ScriptedModel([[{"name": "add", "input": {"a": "x", "b": 1}}], "sorry"]),
            tools=[add],
        )
        assert "sorry" == str(runner(agent, "go"))
        (block,) = results_of(agent).values()
        assert "error" == block.status
        assert "a" in block.content["error"]

    def test_unknown_tool(self, runner):
        """A tool name the model made up becomes an error result listing the real tools."""
        agent = Agent(
            name="a", model=ScriptedModel([[{"name": "nope", "input": {}}], "ok"]), tools=[add]
        )
        runner(agent, "go")
        (block,) = results_of(agent).values()
        assert "error" == block.status
        assert "unknown tool 'nope'; available tools: add" == block.content["error"]

    def test_tool_exception(self, runner):
        """An exception raised by the tool becomes an error result, never a crash."""

        @tool
        def broken() -> str:
            """Always fails."""
            raise ValueError("bad city")

        agent = Agent(
            name="a", model=ScriptedModel([[{"name": "broken", "input": {}}], "ok"]), tools=[broken]
        )
        assert "ok" == str(runner(agent, "go"))
        (block,) = results_of(agent).values()
        assert {"error": "ValueError: bad city", "attempts": 1} == block.content

    def test_async_tool(self, runner):
        """Async tools run on the loop."""

        @tool
        async def slow_add(a: int, b: int) -> int:
            """Add, slowly."""
            await asyncio.sleep(0.01)
            return a + b

        agent = Agent(
            name="a",
            model=ScriptedModel([[{"name": "slow_add", "input": {"a": 4, "b": 5}}], "ok"]),
            tools=[slow_add],
        )
        runner(agent, "go")
        (block,) = results_of(agent).values()
        assert 9 == block.content


class TestInterrupts:
    def interrupted_agent(self, runner, counter, recorder=None):
        model = ScriptedModel(
            [
                [
                    {"name": "ask_human", "input": {"question": "which city?"}},
                    {"name": "lookup", "input": {"city": "Oslo"}},
                ],
                "all done",
            ]
        )
        agent = Agent(name="w", model=model, tools=approval_tools(counter), recorder=recorder)
        return agent, runner(agent, "weather?")

    def test_interrupt_then_resume_at_the_tool_call(self, runner):
        """Only the interrupted tool runs again, and the model is not called for that turn."""
        counter = Counter()
        agent, result = self.interrupted_agent(runner, counter)
        assert "interrupt" == result.stop_reason
        (pending,) = result.interrupts
        assert ("need_input", {"question": "which city?"}) == (pending.name, pending.reason)
        assert agent.interrupted

        final = runner(agent, resume((pending.id, "Bergen")))
        assert "all done" == str(final)
        assert {"ask_human": 2, "lookup": 1} == counter.calls
        blocks = results_of(agent)
        assert "human said Bergen" == blocks["tooluse_0_0"].content
        assert "sunny in Oslo" == blocks["tooluse_0_1"].content
        assert not agent.interrupted

    def test_ids_are_deterministic(self, runner):
        """The same agent, tool use and interrupt name give the same id."""
        first = self.interrupted_agent(runner, Counter())[1].interrupts[0].id
        second = self.interrupted_agent(runner, Counter())[1].interrupts[0].id
        assert first == second
        assert first.startswith("v1:tool:w:tooluse_0_0:")

    def test_none_is_a_valid_response(self, runner):
        """A None response answers the interrupt (it is not mistaken for no answer)."""
        agent, result = self.interrupted_agent(runner, Counter())
        final = runner(agent, resume((result.interrupts[0].id, None)))
        assert "end_turn" == final.stop_reason
        assert "human said None" == results_of(agent)["tooluse_0_0"].content

    def test_two_interrupts_and_a_partial_answer(self, runner):
        """Two tools interrupt at once; answering one keeps the agent interrupted."""
        counter = Counter()
        tools = approval_tools(counter)
        model = ScriptedModel(
            [
                [
                    {"name": "ask_human", "input": {"question": "q1"}},
                    {"name": "ask_human", "input": {"question": "q2"}},
                ],
                "both answered",
            ]
        )
        agent = Agent(name="two", model=model, tools=tools)
        result = runner(agent, "go")
        assert 2 == len(result.interrupts)
        first, second = result.interrupts

        partial = runner(agent, resume((first.id, "A")))
        assert "interrupt" == partial.stop_reason
        assert [second.id] == [i.id for i in partial.interrupts]
        assert {"ask_human": 2} == counter.calls

        final = runner(agent, resume((second.id, "B")))
        assert "both answered" == str(final)
        assert {"ask_human": 4} == counter.calls
        contents = sorted(b.content for b in results_of(agent).values())
        assert ["human said A", "human said B"] == contents

    def test_bad_resumes_are_typed_errors(self, runner):
        """A prompt, an unknown id, a settled id or malformed input each raise, listing ids."""
        agent, result = self.interrupted_agent(runner, Counter())
        pending_id = result.interrupts[0].id
        with pytest.raises(ResumeInputError) as caught:
            runner(agent, "new question")
        assert (pending_id,) == caught.value.pending_ids
        with pytest.raises(UnknownInterruptError) as unknown:
            runner(agent, resume(("v1:tool:w:nope:x", 1)))
        assert (pending_id,) == unknown.value.pending_ids
        for bad in ([{"interruptResponse": {"interruptId": pending_id}}], [{"oops": 1}], []):
            with pytest.raises(ResumeInputError):
                runner(agent, bad)
        assert agent.interrupted
        runner(agent, resume((pending_id, "Rome")))
        with pytest.raises(NotInterruptedError):
            runner(agent, resume((pending_id, "again")))

    def test_responses_and_reasons_must_be_json(self, runner):
        """A non-JSON response is refused; a non-JSON reason fails the tool, not the agent."""
        agent, result = self.interrupted_agent(runner, Counter())
        with pytest.raises(ResumeInputError, match="'response' must be a JSON value"):
            runner(agent, resume((result.interrupts[0].id, {1, 2})))
        assert agent.interrupted

        @tool(context=True)
        def odd(tool_context: ToolContext) -> str:
            """Ask with a reason that cannot be saved."""
            return tool_context.interrupt("when", reason=datetime(2026, 1, 1, tzinfo=UTC))

        agent = Agent(name="o", model=ScriptedModel([[{"name": "odd"}], "ok"]), tools=[odd])
        assert "ok" == str(runner(agent, "go"))
        (block,) = results_of(agent).values()
        assert "must be a JSON value" in block.content["error"]

    def test_hook_rejection(self, runner):
        """A hook asks for approval; a 'no' cancels the tool and the model sees why."""
        counter = Counter()

        class Approval:
            def register_hooks(self, registry):
                registry.add(BeforeToolCallEvent, self.check)

            def check(self, event):
                if event.tool_use.name != "lookup":
                    return
                if event.interrupt("approve", reason=event.tool_use.input) != "yes":
                    event.cancel_tool = "the human rejected the lookup"

        model = ScriptedModel([[{"name": "lookup", "input": {"city": "Paris"}}], "understood"])
        agent = Agent(name="h", model=model, tools=approval_tools(counter), hooks=[Approval()])
        result = runner(agent, "go")
        (pending,) = result.interrupts
        assert pending.id.startswith("v1:before_tool_call:h:")
        final = runner(agent, resume((pending.id, "no")))
        assert "understood" == str(final)
        assert {} == counter.calls
        block = results_of(agent)["tooluse_0_0"]
        assert (
            ToolResultBlock(
                "tooluse_0_0",
                "error",
                {"error": "the human rejected the lookup", "cancelled": True},
            )
            == block
        )

    def test_tool_rejection_from_the_response(self, runner):
        """A tool that reads a rejecting response and declines is an ordinary path."""

        @tool(context=True)
        def delete_files(tool_context: ToolContext) -> str:
            """Delete files, after asking."""
            if tool_context.interrupt("confirm") != "yes":
                return "not deleted: the human said no"
            return "deleted"

        agent = Agent(
            name="d",
            model=ScriptedModel([[{"name": "delete_files", "input": {}}], "ok"]),
            tools=[delete_files],
        )
        pending = runner(agent, "clean up").interrupts[0]
        runner(agent, resume((pending.id, "no")))
        assert "not deleted: the human said no" == results_of(agent)["tooluse_0_0"].content


class TestHooks:
    def test_every_hook_fires_in_order(self, runner):
        """Invocation, model and tool hooks fire around each step."""
        seen = []

        class Spy:
            def register_hooks(self, registry):
                for kind in (
                    BeforeInvocationEvent,
                    AfterInvocationEvent,
                    BeforeModelCallEvent,
                    AfterModelCallEvent,
                    BeforeToolCallEvent,
                    AfterToolCallEvent,
                ):
                    registry.add(kind, lambda e: seen.append(type(e).__name__))

        agent = Agent(
            name="a",
            model=ScriptedModel([[{"name": "add", "input": {"a": 1, "b": 1}}], "2"]),
            tools=[add],
            hooks=[Spy()],
        )
        runner(agent, "go")
        assert [
            "BeforeInvocationEvent",
            "BeforeModelCallEvent",
            "AfterModelCallEvent",
            "BeforeToolCallEvent",
            "AfterToolCallEvent",
            "BeforeModelCallEvent",
            "AfterModelCallEvent",
            "AfterInvocationEvent",
        ] == seen

    def test_after_tool_hook_can_replace_the_result(self, runner):
        """An after-tool-call hook may rewrite what the model sees."""

        class Redact:
            def register_hooks(self, registry):
                registry.add(AfterToolCallEvent, self.redact)

            async def redact(self, event):
                event.result = ToolResultBlock(event.result.tool_use_id, "success", "[redacted]")

        agent = Agent(
            name="a",
            model=ScriptedModel([[{"name": "add", "input": {"a": 1, "b": 1}}], "ok"]),
            tools=[add],
            hooks=[Redact()],
        )
        runner(agent, "go")
        assert "[redacted]" == results_of(agent)["tooluse_0_0"].content


class TestTraces:
    def run_traced(self, steps, *, hooks=None, tools=None, model_turns=None):
        recorder = TransitionRecorder(clock=Clock())
        counter = Counter()
        agent = Agent(
            name="t",
            model=ScriptedModel(model_turns),
            tools=tools or approval_tools(counter),
            hooks=hooks,
            recorder=recorder,
            tool_config=ToolConfig(parallel=False),
        )
        result = agent(steps[0])
        for step in steps[1:]:
            result = agent(step(result))
        return trace(recorder)

    def test_plain_tool_turn(self, snapshot):
        """Transition trace of a plain tool turn."""
        turns = [[{"name": "lookup", "input": {"city": "Oslo"}}], "done"]
        assert self.run_traced(["go"], model_turns=turns) == snapshot

    def test_interrupt_and_resume(self, snapshot):
        """Transition trace of an interrupt and its resume."""
        turns = [[{"name": "ask_human", "input": {"question": "q"}}], "done"]
        steps = ["go", lambda r: resume((r.interrupts[0].id, "x"))]
        assert self.run_traced(steps, model_turns=turns) == snapshot

    def test_two_interrupts(self, snapshot):
        """Transition trace of two interrupts in one turn answered together."""
        turns = [
            [
                {"name": "ask_human", "input": {"question": "q1"}},
                {"name": "ask_human", "input": {"question": "q2"}},
            ],
            "done",
        ]
        steps = ["go", lambda r: resume(*((i.id, "x") for i in r.interrupts))]
        assert self.run_traced(steps, model_turns=turns) == snapshot

    def test_partial_answer(self, snapshot):
        """Transition trace of a partial answer, then the rest."""
        turns = [
            [
                {"name": "ask_human", "input": {"question": "q1"}},
                {"name": "ask_human", "input": {"question": "q2"}},
            ],
            "done",
        ]
        steps = [
            "go",
            lambda r: resume((r.interrupts[0].id, "x")),
            lambda r: resume((r.interrupts[0].id, "y")),
        ]
        assert self.run_traced(steps, model_turns=turns) == snapshot

    def test_rejection(self, snapshot):
        """Transition trace of a hook approval that is rejected."""

        class Approval:
            def register_hooks(self, registry):
                registry.add(BeforeToolCallEvent, self.check)

            def check(self, event):
                if event.interrupt("approve") != "yes":
                    event.cancel_tool = "rejected"

        turns = [[{"name": "lookup", "input": {"city": "Oslo"}}], "done"]
        steps = ["go", lambda r: resume((r.interrupts[0].id, "no"))]
        assert self.run_traced(steps, model_turns=turns, hooks=[Approval()]) == snapshot


class TestSnapshots:
    def test_snapshot_round_trip_in_memory(self, runner):
        """An interrupted agent's snapshot restores into a new agent that resumes."""
        counter = Counter()
        model_turns = [[{"name": "ask_human", "input": {"question": "q"}}], "finished"]
        agent = Agent(name="w", model=ScriptedModel(model_turns), tools=approval_tools(counter))
        pending = runner(agent, "go").interrupts[0]
        snap = agent.snapshot()
        assert [ToolCallStatus.INTERRUPTED] == [c.status for c in snap.pending_tool_calls]
        assert [InterruptStatus.PENDING] == [i.status for i in snap.interrupts]

        fresh = Agent(name="w", model=ScriptedModel(model_turns), tools=approval_tools(counter))
        fresh.restore(snap)
        assert "finished" == str(runner(fresh, resume((pending.id, "ok"))))

    def test_resume_in_a_fresh_process(self, tmp_path):
        """An interrupted agent saved to JSON is answered and finished by another process."""
        counter = Counter()
        model_turns = [
            [{"name": "ask_human", "input": {"question": "where?"}}],
            "finished in child",
        ]
        agent = Agent(name="w", model=ScriptedModel(model_turns), tools=approval_tools(counter))
        pending = agent("go").interrupts[0]
        saved = tmp_path / "agent.json"
        saved.write_text(dump_agent(agent.snapshot()), encoding="utf-8")
        script = textwrap.dedent(
            f"""
            import json, sys
            from agentcharts import Agent, ScriptedModel, ToolContext, tool
            from agentcharts.schemas.persisted import load_agent

            @tool(context=True)
            def ask_human(question: str, tool_context: ToolContext) -> str:
                '''Ask a human.'''
                return "answer: " + tool_context.interrupt("need_input", reason=question)

            agent = Agent(name="w", model=ScriptedModel({model_turns!r}), tools=[ask_human])
            agent.restore(load_agent(open(sys.argv[1]).read()))
            responses = [{{"interruptResponse": {{"interruptId": {pending.id!r}, "response": "Lima"}}}}]
            result = agent(responses)
            print(json.dumps({{"text": str(result), "content": Agent.tool_results(agent.messages)[-1].content}}))
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", script, str(saved)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert 0 == done.returncode, done.stderr
        assert {"text": "finished in child", "content": "answer: Lima"} == json.loads(done.stdout)
