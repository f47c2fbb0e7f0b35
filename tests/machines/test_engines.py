"""The compiled engine against python-statemachine's, and what compiling refuses."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from machine_helpers import FixedClock, Subject
from statemachine import HistoryState, State

from agentcharts.exceptions import DefinitionError, IllegalTransitionError
from agentcharts.machines import (
    ENGINES,
    LIFECYCLES,
    CompiledMachine,
    Lifecycle,
    NodeLifecycle,
    ToolCallLifecycle,
    TransitionRecorder,
    bind,
    compile_lifecycle,
    engine,
    set_engine,
)
from agentcharts.machines.diagrams import transitions
from agentcharts.schemas.status import Status, ToolCallStatus

CLASSES = list(LIFECYCLES.values())

GUARD_OUTCOMES = list(itertools.product([True, False], repeat=2))
"""Every (slot_held, retry_allowed) answer a subject can give."""


def events_of(lifecycle) -> list[str]:
    return sorted({event for _, event, _, _ in transitions(lifecycle)} | {"no_such_event"})


def drive(engine_name, lifecycle, status, steps):
    """Run ``steps`` of (event, slot, retry) on a fresh subject; return every observation."""
    previous = set_engine(engine_name)
    try:
        subject = Subject(status)
        recorder = TransitionRecorder(clock=FixedClock())
        machine = bind(lifecycle, subject, machine_id="m1", recorder=recorder)
    finally:
        set_engine(previous)
    seen = []
    for event, slot, retry in steps:
        subject.slot, subject.retry = slot, retry
        try:
            machine.fire(event, error_kind="timeout")
        except IllegalTransitionError as error:
            outcome = ("refused", error.machine, error.machine_id, error.state, error.event)
            seen.append((*outcome, error.guard_failed, str(error)))
        else:
            seen.append(("moved", subject.status, machine.state_id))
    records = [
        (r.machine, r.machine_id, r.source, r.event, r.target, r.at) for r in recorder.records
    ]
    return seen, records, subject.retry_kinds, subject.status


class TestDifferential:
    @pytest.mark.parametrize("lifecycle", CLASSES, ids=lambda c: c.__name__)
    def test_every_state_event_and_guard_outcome(self, lifecycle):
        """From every state, every event under every guard outcome: same target or refusal."""
        checked = 0
        for state in lifecycle.states:
            for event in events_of(lifecycle):
                for slot, retry in GUARD_OUTCOMES:
                    steps = [(event, slot, retry)]
                    compiled = drive("compiled", lifecycle, state.value, steps)
                    reference = drive("reference", lifecycle, state.value, steps)
                    assert reference == compiled, (state.id, event, slot, retry)
                    checked += 1
        assert checked == len(lifecycle.states) * len(events_of(lifecycle)) * 4

    def test_guards_are_exercised_both_ways(self):
        """The walk above meets both guards admitting and refusing (so it tests them)."""
        admitted = drive("compiled", NodeLifecycle, Status.PENDING, [("start", True, True)])
        refused = drive("compiled", NodeLifecycle, Status.PENDING, [("start", False, True)])
        assert ("moved", Status.EXECUTING, "executing") == admitted[0][0]
        assert refused[0][0][0] == "refused"
        assert refused[0][0][5] is True
        retried = drive("compiled", ToolCallLifecycle, ToolCallStatus.RUNNING, [("fail", 1, 1)])
        ended = drive("compiled", ToolCallLifecycle, ToolCallStatus.RUNNING, [("fail", 1, 0)])
        assert ToolCallStatus.RETRY_WAIT == retried[3]
        assert ToolCallStatus.FAILED == ended[3]
        assert ["timeout"] == ended[2]

    @settings(max_examples=150, deadline=None)
    @given(
        lifecycle=st.sampled_from(CLASSES),
        data=st.data(),
    )
    def test_random_event_sequences(self, lifecycle, data):
        """Any sequence of events and guard answers from the start: both engines agree."""
        step = st.tuples(st.sampled_from(events_of(lifecycle)), st.booleans(), st.booleans())
        steps = data.draw(st.lists(step, max_size=12))
        assert drive("reference", lifecycle, None, steps) == drive(
            "compiled", lifecycle, None, steps
        )


@pytest.fixture(autouse=True)
def compiled_engine():
    """Every test here starts on the compiled engine, whatever AGENTCHARTS_ENGINE says."""
    previous = set_engine("compiled")
    yield
    set_engine(previous)


class TestCompiledMachine:
    def test_binding_sets_the_initial_state_and_restores_others(self):
        """A subject with no status starts at the initial state; one with a status stays."""
        fresh = Subject()
        machine = bind(NodeLifecycle, fresh, machine_id="a")
        assert isinstance(machine, CompiledMachine)
        assert Status.PENDING == fresh.status
        saved = Subject(Status.INTERRUPTED)
        assert "interrupted" == bind(NodeLifecycle, saved, machine_id="b").state_id

    def test_an_unknown_saved_state_is_refused(self):
        """A subject whose status is not a state of the lifecycle cannot be bound."""
        with pytest.raises(DefinitionError, match="NodeLifecycle has no state 'lost'"):
            bind(NodeLifecycle, Subject("lost"), machine_id="a")

    def test_a_subject_must_answer_every_guard(self):
        """Binding refuses a subject that lacks a guard the lifecycle names."""

        class NoGuards:
            status = None

        with pytest.raises(DefinitionError, match="guard 'slot_held'; NoGuards does not"):
            bind(NodeLifecycle, NoGuards(), machine_id="a")

    def test_a_subject_may_not_define_a_convention_callback(self):
        """A callback python-statemachine would call by its name is refused, not ignored."""

        class Eager(Subject):
            def on_enter_executing(self):
                pass

        with pytest.raises(DefinitionError, match="'on_enter_executing'"):
            bind(NodeLifecycle, Eager(), machine_id="a")

    def test_guard_values_and_unless(self):
        """A guard may be a plain attribute; ``unless`` guards need a false answer."""

        class Chart(Lifecycle):
            kind = "toy"
            idle = State(initial=True)
            busy = State()
            done = State(final=True)
            go = idle.to(busy, unless="blocked") | idle.to(done)
            finish = busy.to(done, cond="ready")

        class Toy:
            def __init__(self, blocked, ready):
                self.status = None
                self.blocked = blocked
                self.ready = ready

        for blocked, ready in GUARD_OUTCOMES:
            results = []
            for name in ENGINES:
                previous = set_engine(name)
                toy = Toy(blocked, ready)
                machine = bind(Chart, toy, machine_id="t")
                set_engine(previous)
                machine.fire("go")
                try:
                    machine.fire("finish")
                except IllegalTransitionError as error:
                    results.append((toy.status, error.guard_failed))
                else:
                    results.append((toy.status, None))
            assert results[0] == results[1], (blocked, ready)

    def test_records_match_the_reference_engine(self):
        """Both engines record the same kind, id, source, event and target."""
        steps = [("start", True, True), ("interrupt", 1, 1), ("resume", 1, 1), ("complete", 1, 1)]
        compiled = drive("compiled", NodeLifecycle, None, steps)[1]
        assert compiled == drive("reference", NodeLifecycle, None, steps)[1]
        assert [r[2:5] for r in compiled] == [
            ("pending", "start", "executing"),
            ("executing", "interrupt", "interrupted"),
            ("interrupted", "resume", "executing"),
            ("executing", "complete", "completed"),
        ]

    def test_the_table_is_compiled_once(self):
        """Every bind of a class reads the same table."""
        assert compile_lifecycle(NodeLifecycle) is compile_lifecycle(NodeLifecycle)
        table = compile_lifecycle(ToolCallLifecycle)
        fail = table.steps[(ToolCallStatus.RUNNING, "fail")]
        assert [s.target_id for s in fail] == ["retry_wait", "failed"]
        assert [g.name for g in fail[0].guards] == ["retry_allowed"]

    def test_a_compiled_machine_is_small(self):
        """A bound machine is four slots, not a python-statemachine instance."""
        machine = bind(NodeLifecycle, Subject(), machine_id="a")
        assert not hasattr(machine, "__dict__")
        assert sys.getsizeof(machine) < 100


def refusal(chart_body) -> str:
    with pytest.raises(DefinitionError) as caught:
        compile_lifecycle(chart_body())
    return str(caught.value)


class TestRefusals:
    def test_compound_state(self):
        def build():
            class CompoundChart(Lifecycle):
                class outer(State.Compound):  # noqa: N801 - python-statemachine's idiom
                    inner = State(initial=True)
                    other = State(final=True)
                    go = inner.to(other)

                start = State(initial=True)
                enter = start.to(outer)

            return CompoundChart

        message = refusal(build)
        assert "CompoundChart" in message
        assert "compound state ('outer')" in message

    def test_parallel_state(self):
        def build():
            class ParallelChart(Lifecycle):
                class both(State.Parallel):  # noqa: N801 - as above
                    class left(State.Compound):  # noqa: N801
                        a = State(initial=True)

                    class right(State.Compound):  # noqa: N801
                        b = State(initial=True)

                start = State(initial=True)
                split = start.to(both)

            return ParallelChart

        assert "ParallelChart uses a parallel state ('both')" in refusal(build)

    def test_history_state(self):
        def build():
            class HistoryChart(Lifecycle):
                class outer(State.Compound):  # noqa: N801 - as above
                    inner = State(initial=True)
                    h = HistoryState()

                start = State(initial=True)
                back = start.to(outer.h)

            return HistoryChart

        message = refusal(build)
        assert "HistoryChart" in message
        assert "history" in message or "compound" in message

    def test_eventless_transition(self):
        def build():
            class EventlessChart(Lifecycle):
                start = State(initial=True)
                end = State(final=True)
                start.to(end, cond="ready")

            return EventlessChart

        assert "EventlessChart uses an eventless transition ('start')" in refusal(build)

    def test_internal_transition(self):
        def build():
            class InternalChart(Lifecycle):
                start = State(initial=True)
                tick = start.to.itself(internal=True)

            return InternalChart

        assert "InternalChart uses an internal transition ('start -> tick')" in refusal(build)

    def test_action(self):
        def build():
            class ActionChart(Lifecycle):
                start = State(initial=True)
                end = State(final=True)
                go = start.to(end, on="do_it")

            return ActionChart

        assert "ActionChart uses a on callback 'do_it'" in refusal(build)

    def test_state_action(self):
        def build():
            class EnterChart(Lifecycle):
                start = State(initial=True)
                end = State(final=True, enter="ring")
                go = start.to(end)

            return EnterChart

        assert "EnterChart uses a enter callback 'ring' on 'end'" in refusal(build)

    def test_validator(self):
        def build():
            class ValidatorChart(Lifecycle):
                start = State(initial=True)
                end = State(final=True)
                go = start.to(end, validators="check")

            return ValidatorChart

        assert "ValidatorChart uses a validator 'check'" in refusal(build)

    def test_guard_expression(self):
        def build():
            class ExpressionChart(Lifecycle):
                start = State(initial=True)
                end = State(final=True)
                go = start.to(end, cond="ready and not busy")

            return ExpressionChart

        message = refusal(build)
        assert "ExpressionChart uses a guard that is not a name" in message

    def test_guard_that_is_a_function(self):
        def build():
            class CallableChart(Lifecycle):
                start = State(initial=True)
                end = State(final=True)
                go = start.to(end, cond=lambda: True)

            return CallableChart

        assert "CallableChart uses a guard that is not a name" in refusal(build)

    def test_guard_defined_on_the_class(self):
        def build():
            class SelfGuardChart(Lifecycle):
                start = State(initial=True)
                end = State(final=True)
                go = start.to(end, cond="ready")

                def ready(self):
                    return True

            return SelfGuardChart

        assert "SelfGuardChart uses a guard or callback 'ready' defined on" in refusal(build)

    def test_convention_callback_on_the_class(self):
        def build():
            class ConventionChart(Lifecycle):
                start = State(initial=True)
                end = State(final=True)
                go = start.to(end)

                def on_enter_end(self):
                    pass

            return ConventionChart

        assert "ConventionChart uses a guard or callback 'on_enter_end'" in refusal(build)

    def test_the_declared_lifecycles_compile(self):
        """The four lifecycles use none of the refused features."""
        for lifecycle in CLASSES:
            table = compile_lifecycle(lifecycle)
            assert table.name == lifecycle.__name__
            expected = {(s, e) for s, e, _, _ in transitions(lifecycle)}
            assert expected == {(table.state_ids[v], e) for v, e in table.steps}


class TestSetting:
    def test_compiled_is_the_default(self):
        """Unless told otherwise, machines are compiled."""
        code = "from agentcharts.machines import engine; print(engine())"
        env = {k: v for k, v in os.environ.items() if k != "AGENTCHARTS_ENGINE"}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert "compiled\n" == done.stdout
        assert ("compiled", "reference") == ENGINES

    def test_set_engine_returns_the_previous_one(self):
        """``set_engine`` switches what ``bind`` builds, and says what was used before."""
        assert "compiled" == set_engine("reference")
        assert "reference" == engine()
        assert isinstance(bind(NodeLifecycle, Subject(), machine_id="a"), NodeLifecycle)
        assert "reference" == set_engine("compiled")
        assert isinstance(bind(NodeLifecycle, Subject(), machine_id="a"), CompiledMachine)
        set_engine("reference")

    def test_an_unknown_engine_is_refused(self):
        """A typo in the setting is a DefinitionError, and the engine does not change."""
        before = engine()
        with pytest.raises(DefinitionError, match="must be one of 'compiled', 'reference'"):
            set_engine("fast")  # type: ignore[arg-type]
        assert before == engine()

    @pytest.mark.parametrize(("value", "expected"), [("reference", "reference"), ("", "bad")])
    def test_the_environment_variable(self, value, expected):
        """``AGENTCHARTS_ENGINE`` chooses the engine at import; a bad value fails the import."""
        code = "from agentcharts.machines import engine; print(engine())"
        env = {**os.environ, "AGENTCHARTS_ENGINE": value}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
        )
        if expected == "bad":
            assert 0 != done.returncode
            assert "AGENTCHARTS_ENGINE must be one of" in done.stderr
        else:
            assert (0, "reference\n") == (done.returncode, done.stdout)


class TestRuntimeUsesTheSetting:
    @pytest.mark.parametrize("name", ENGINES)
    def test_a_graph_runs_on_the_chosen_engine(self, name):
        """Graph, node, tool-call and interrupt machines are all bound on the chosen engine."""
        from agentcharts import GraphBuilder, Status

        set_engine(name)
        graph = GraphBuilder().add_node(lambda s: "one", "a").add_node(lambda s: "two", "b")
        built = graph.add_edge("a", "b").build()
        result = built("go")
        assert Status.COMPLETED == result.status
        run = built._run
        expected = CompiledMachine if name == "compiled" else Lifecycle
        assert isinstance(run.machine, expected)
        assert all(isinstance(n.machine, expected) for n in run.nodes.values())
        kinds = [(t.machine, t.event) for t in run.transitions]
        assert ("node", "start") in kinds
        assert ("graph", "complete") == kinds[-1]
