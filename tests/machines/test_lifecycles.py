"""Tests for the four lifecycles in `agentcharts.machines`."""

from __future__ import annotations

import pytest
from machine_helpers import Subject

from agentcharts.exceptions import IllegalTransitionError
from agentcharts.machines import (
    LIFECYCLES,
    GraphLifecycle,
    InterruptLifecycle,
    NodeLifecycle,
    ToolCallLifecycle,
)
from agentcharts.machines.diagrams import transitions
from agentcharts.schemas.status import InterruptStatus, Status, ToolCallStatus


def walk(machine_cls, events, **subject_flags):
    subject = Subject(**subject_flags)
    machine = machine_cls(subject, machine_id="m1")
    for event in events:
        machine.fire(event)
    return machine, subject


def all_events(machine_cls) -> set[str]:
    return {event for _, event, _, _ in transitions(machine_cls)}


class TestStatusMapping:
    def test_graph_and_node_states_are_the_status_enum(self):
        """Graph and node states map one-to-one onto the public Status enum."""
        for machine in (GraphLifecycle, NodeLifecycle):
            assert set(Status) == {state.value for state in machine.states}
            for state in machine.states:
                assert state.value.value == state.id

    def test_tool_call_and_interrupt_states_are_their_enums(self):
        """Tool call and interrupt states are exactly their status enums."""
        assert set(ToolCallStatus) == {s.value for s in ToolCallLifecycle.states}
        assert set(InterruptStatus) == {s.value for s in InterruptLifecycle.states}


class TestPaths:
    def test_graph_interrupt_and_resume(self):
        """A graph run can be interrupted, resumed and completed."""
        machine, subject = walk(GraphLifecycle, ["start", "interrupt", "resume", "complete"])
        assert Status.COMPLETED == subject.status
        assert "completed" == machine.state_id

    def test_node_revisit(self):
        """A completed node goes back to pending when a cycle revisits it."""
        _, subject = walk(NodeLifecycle, ["start", "complete", "revisit", "start"])
        assert Status.EXECUTING == subject.status

    def test_node_cancel_from_every_open_state(self):
        """A node can be cancelled while pending, executing or interrupted."""
        for prefix in ([], ["start"], ["start", "interrupt"]):
            _, subject = walk(NodeLifecycle, [*prefix, "cancel"])
            assert Status.FAILED == subject.status

    def test_tool_call_retry_then_success(self):
        """A failed attempt waits and retries when the guard admits it."""
        machine = ToolCallLifecycle(subject := Subject(), machine_id="t1")
        machine.fire("start")
        machine.fire("fail", error_kind="connection_error")
        assert ToolCallStatus.RETRY_WAIT == subject.status
        assert ["connection_error"] == subject.retry_kinds
        machine.fire("retry")
        machine.fire("succeed")
        assert ToolCallStatus.SUCCEEDED == subject.status

    @pytest.mark.parametrize(
        ("event", "final"),
        [("fail", ToolCallStatus.FAILED), ("time_out", ToolCallStatus.TIMED_OUT)],
    )
    def test_tool_call_ends_when_retry_refused(self, event, final):
        """When the retry guard refuses, a failed or timed-out attempt ends the call."""
        _, subject = walk(ToolCallLifecycle, ["start", event], retry=False)
        assert final == subject.status

    def test_tool_call_interrupt_and_resume(self):
        """An interrupted tool call runs again on resume."""
        _, subject = walk(ToolCallLifecycle, ["start", "interrupt", "resume", "succeed"])
        assert ToolCallStatus.SUCCEEDED == subject.status

    def test_interrupt_answer_then_reject(self):
        """An answered interrupt becomes rejected when the tool refuses to proceed."""
        _, subject = walk(InterruptLifecycle, ["answer", "reject"])
        assert InterruptStatus.REJECTED == subject.status


class TestGuards:
    @pytest.mark.parametrize("events", [["start"], ["start", "interrupt", "resume"]])
    def test_node_needs_a_slot_to_execute(self, events):
        """Starting or resuming a node without a slot is refused by the guard."""
        subject = Subject()
        machine = NodeLifecycle(subject, machine_id="n1")
        for event in events[:-1]:
            machine.fire(event)
        subject.slot = False
        before = subject.status
        with pytest.raises(IllegalTransitionError) as caught:
            machine.fire(events[-1])
        assert caught.value.guard_failed
        assert before == subject.status
        assert "its guard refused it" in str(caught.value)

    def test_guard_errors_propagate(self):
        """An exception raised by a guard reaches the sender instead of being swallowed."""

        class Broken(Subject):
            def slot_held(self):
                raise ValueError("registry unavailable")

        with pytest.raises(ValueError, match="registry unavailable"):
            NodeLifecycle(Broken(), machine_id="n1").fire("start")


class TestRefusals:
    @pytest.mark.parametrize("kind", sorted(LIFECYCLES))
    def test_every_undeclared_pair_is_refused(self, kind):
        """Every (state, event) pair that is not in the table raises a typed error."""
        machine_cls = LIFECYCLES[kind]
        declared = {(source, event) for source, event, _, _ in transitions(machine_cls)}
        refused = 0
        for state in machine_cls.states:
            for event in sorted(all_events(machine_cls)):
                if (state.id, event) in declared:
                    continue
                machine = machine_cls(Subject(state.value), machine_id="x")
                with pytest.raises(IllegalTransitionError) as caught:
                    machine.fire(event)
                error = caught.value
                assert (machine_cls.__name__, "x", state.id, event) == (
                    error.machine,
                    error.machine_id,
                    error.state,
                    error.event,
                )
                assert not error.guard_failed
                assert state.value == machine.model.status
                refused += 1
        assert refused > 0

    def test_unknown_event_is_refused(self):
        """An event the machine does not know is refused, not ignored."""
        machine = GraphLifecycle(Subject(), machine_id="g")
        with pytest.raises(IllegalTransitionError, match="'launch' in state 'pending'"):
            machine.fire("launch")


class TestRestore:
    def test_restore_runs_no_entry_action(self):
        """A machine rebuilt at a saved state runs no entry action, then continues."""
        entered: list[str] = []

        class Watched(NodeLifecycle):
            def on_enter_state(self, state):
                entered.append(state.id)

        subject = Subject(Status.INTERRUPTED)
        machine = Watched(subject, machine_id="n1")
        assert [] == entered
        assert "interrupted" == machine.state_id
        machine.fire("resume")
        assert ["executing"] == entered

    def test_fresh_machine_enters_initial_state(self):
        """A subject with no status starts at the initial state."""
        subject = Subject()
        ToolCallLifecycle(subject, machine_id="t")
        assert ToolCallStatus.PENDING == subject.status


class TestRecorder:
    def test_trace_of_an_interrupted_node(self, recorder, snapshot):
        """Every transition is recorded with kind, id, states, event and time."""
        machine = NodeLifecycle(Subject(), machine_id="weather", recorder=recorder)
        for event in ["start", "interrupt", "resume", "complete", "revisit"]:
            machine.fire(event)
        assert recorder.records == snapshot

    def test_one_recorder_many_machines(self, recorder):
        """One recorder tells its machines apart by kind and id."""
        tool = ToolCallLifecycle(Subject(), machine_id="t1", recorder=recorder)
        ask = InterruptLifecycle(Subject(), machine_id="i1", recorder=recorder)
        tool.fire("start")
        ask.fire("answer")
        tool.fire("interrupt")
        assert [("tool_call", "t1"), ("interrupt", "i1"), ("tool_call", "t1")] == [
            (r.machine, r.machine_id) for r in recorder.records
        ]

    def test_sink_receives_each_record(self):
        """A sink sees each record as it happens, even when none are kept."""
        from agentcharts.machines import TransitionRecorder

        seen = []
        recorder = TransitionRecorder(seen.append, keep=False)
        GraphLifecycle(Subject(), machine_id="g", recorder=recorder).fire("start")
        assert [("pending", "start", "executing")] == [(r.source, r.event, r.target) for r in seen]
        assert [] == recorder.records
