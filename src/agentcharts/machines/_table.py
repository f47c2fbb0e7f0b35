"""Compile a lifecycle's StateChart into a transition table, refusing what a table cannot run.

The StateChart classes of this package stay the single declaration of every lifecycle; this
module reads one of them once and keeps only what the runtime needs to drive it: for each
(state value, event) the transitions to try in declaration order, each with a target and the
guards that must admit it. python-statemachine offers much more (compound and parallel
states, history, eventless and internal transitions, actions, boolean guard expressions).
The table implements none of it, so compiling refuses every such feature with a
:class:`~agentcharts.exceptions.DefinitionError` that names the class and the feature: an
edit of a lifecycle can never make the two engines silently disagree.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from statemachine.callbacks import CallbackGroup

from agentcharts.exceptions import DefinitionError

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from statemachine import State
    from statemachine.transition import Transition

    from agentcharts.machines._base import Lifecycle

__all__ = ["Guard", "Step", "TransitionTable", "compile_lifecycle", "guard_parameters"]

_CONVENTION_GROUPS = {
    CallbackGroup.ENTER,
    CallbackGroup.EXIT,
    CallbackGroup.INVOKE,
    CallbackGroup.BEFORE,
    CallbackGroup.ON,
    CallbackGroup.AFTER,
}
"""Groups whose convention specs (``on_enter_<state>``, ``before_<event>``...) every state
and transition carries; they only call something when a method of that name exists, which
compiling and binding check does not."""


class Guard:
    """One named guard of a transition: the subject's attribute, and the outcome it needs."""

    __slots__ = ("expected", "name")

    def __init__(self, name: str, *, expected: bool) -> None:
        """Name the guard, and whether it must be true (``cond``) or false (``unless``)."""
        self.name = name
        self.expected = expected

    def __repr__(self) -> str:
        """``Guard('slot_held')`` or ``Guard('slot_held', expected=False)``."""
        suffix = "" if self.expected else ", expected=False"
        return f"Guard({self.name!r}{suffix})"


class Step:
    """One transition out of a state on an event: where it leads and what must admit it."""

    __slots__ = ("guards", "target", "target_id")

    def __init__(self, target: Hashable, target_id: str, guards: tuple[Guard, ...]) -> None:
        """Record the target's value and id, and the guards, all of which must admit it."""
        self.target = target
        self.target_id = target_id
        self.guards = guards


class TransitionTable:
    """Everything the compiled engine needs of one lifecycle class, read from it once."""

    __slots__ = ("conventions", "events", "initial", "kind", "name", "state_ids", "steps")

    def __init__(
        self,
        *,
        name: str,
        kind: str,
        initial: Hashable,
        state_ids: dict[Hashable, str],
        events: frozenset[str],
        steps: dict[tuple[Hashable, str], tuple[Step, ...]],
        conventions: frozenset[str],
    ) -> None:
        """Assemble a table; :func:`compile_lifecycle` is the way to build one."""
        self.name = name
        """The lifecycle class's name, as errors report it (``"NodeLifecycle"``)."""
        self.kind = kind
        """The machine kind stamped on transition records (``"node"``)."""
        self.initial = initial
        """The value of the initial state, given to a subject that has no status yet."""
        self.state_ids = state_ids
        """State value → state id (``Status.EXECUTING`` → ``"executing"``)."""
        self.events = events
        """Every event the lifecycle declares."""
        self.steps = steps
        """(state value, event) → the transitions to try, in declaration order."""
        self.conventions = conventions
        """Callback names python-statemachine would call by convention if a subject defined
        them (``on_enter_executing``); binding refuses a subject that does."""

    def guard_names(self) -> frozenset[str]:
        """Every guard name the lifecycle's transitions use."""
        return frozenset(g.name for steps in self.steps.values() for s in steps for g in s.guards)


_TABLES: dict[type[Lifecycle], TransitionTable] = {}


def compile_lifecycle(lifecycle: type[Lifecycle]) -> TransitionTable:
    """
    Return the transition table of a lifecycle class, compiling it on first use.

    Args:
        lifecycle: A subclass of :class:`~agentcharts.machines.Lifecycle`.

    Returns:
        The class's table (the same object on every call).

    Raises:
        DefinitionError: The class uses a StateChart feature the table does not implement;
            the message names the class and the feature.
    """
    table = _TABLES.get(lifecycle)
    if table is None:
        table = _TABLES[lifecycle] = _compile(lifecycle)
    return table


def _refuse(lifecycle: type[Any], feature: str) -> DefinitionError:
    return DefinitionError(
        f"lifecycle {lifecycle.__name__} uses {feature}, which the compiled engine does not "
        "implement; declare it with atomic states, named guards and no actions"
    )


def _compile(lifecycle: type[Lifecycle]) -> TransitionTable:
    states: list[State] = list(lifecycle.states)
    if lifecycle.initial_state is None:
        raise _refuse(lifecycle, "no initial state")
    state_ids: dict[Hashable, str] = {}
    conventions: set[str] = set()
    steps: dict[tuple[Hashable, str], list[Step]] = {}
    for state in states:
        _check_state(lifecycle, state)
        state_ids[state.value] = state.id
        conventions.update(_convention_names(lifecycle, state, state.id))
    for state in states:
        for transition in state.transitions:
            step = _step(lifecycle, transition)
            conventions.update(_convention_names(lifecycle, transition, transition.event))
            for event in transition.events:
                steps.setdefault((state.value, str(event)), []).append(step)
    table = TransitionTable(
        name=lifecycle.__name__,
        kind=str(lifecycle.kind),
        initial=lifecycle.initial_state.value,
        state_ids=state_ids,
        events=frozenset(event for _, event in steps),
        steps={key: tuple(found) for key, found in steps.items()},
        conventions=frozenset(conventions),
    )
    _check_class(lifecycle, table)
    return table


def _check_state(lifecycle: type[Any], state: State) -> None:
    if state.parallel:
        raise _refuse(lifecycle, f"a parallel state ({state.id!r})")
    if state.is_compound or state.states:
        raise _refuse(lifecycle, f"a compound state ({state.id!r})")
    if state.history:
        raise _refuse(lifecycle, f"a history state ({state.id!r})")
    if state.parent is not None:
        raise _refuse(lifecycle, f"a nested state ({state.id!r})")


def _convention_names(lifecycle: type[Any], owner: State | Transition, label: str) -> list[str]:
    """The convention callback names of a state or transition; refuse any other callback."""
    names = []
    for spec in owner._specs:  # noqa: SLF001 - the only place the library lists them
        if spec.group is CallbackGroup.COND:
            continue
        if spec.group in _CONVENTION_GROUPS and spec.is_convention:
            names.append(str(spec.attr_name))
            continue
        kind = spec.group.name.lower()
        raise _refuse(lifecycle, f"a {kind} callback {spec.attr_name!r} on {label!r}")
    return names


def _step(lifecycle: type[Any], transition: Transition) -> Step:
    label = f"{transition.source.id} -> {transition.event}"
    if transition.is_eventless:
        raise _refuse(lifecycle, f"an eventless transition ({transition.source.id!r})")
    if transition.internal:
        raise _refuse(lifecycle, f"an internal transition ({label!r})")
    if len(transition.targets) != 1:
        raise _refuse(lifecycle, f"a transition with {len(transition.targets)} targets ({label!r})")
    guards = []
    for spec in transition._specs:  # noqa: SLF001 - as above
        if spec.group is CallbackGroup.VALIDATOR:
            raise _refuse(lifecycle, f"a validator {spec.attr_name!r} on {label!r}")
        if spec.group is not CallbackGroup.COND:
            continue
        name = spec.attr_name
        if not isinstance(name, str) or not name.isidentifier():
            raise _refuse(lifecycle, f"a guard that is not a name ({name!r} on {label!r})")
        guards.append(Guard(name, expected=spec.expected_value is not False))
    (target,) = transition.targets
    return Step(target.value, target.id, tuple(guards))


def _check_class(lifecycle: type[Any], table: TransitionTable) -> None:
    """Refuse guards or convention callbacks defined on the lifecycle class itself.

    The reference engine would find them on the machine before the subject; the compiled
    engine asks only the subject, so such a class would run differently on the two.
    """
    for name in sorted(table.guard_names() | table.conventions):
        if hasattr(lifecycle, name):
            raise _refuse(lifecycle, f"a guard or callback {name!r} defined on the class")


_PARAMETERS: dict[Any, frozenset[str] | None] = {}


def guard_parameters(function: Callable[..., Any]) -> frozenset[str] | None:
    """The keyword names a guard accepts, or ``None`` when it takes ``**kwargs``."""
    key = getattr(function, "__func__", function)
    try:
        return _PARAMETERS[key]
    except KeyError:
        pass
    parameters = inspect.signature(function).parameters.values()
    names: frozenset[str] | None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        names = None
    else:
        names = frozenset(
            p.name
            for p in parameters
            if p.kind in {inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY}
        )
    _PARAMETERS[key] = names
    return names
