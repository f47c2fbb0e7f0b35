"""The two engines that drive a lifecycle, and the one setting that chooses between them.

- ``"compiled"`` (the default): :class:`CompiledMachine` reads the lifecycle's transition
  table (:func:`~agentcharts.machines._table.compile_lifecycle`), asks the subject's guards,
  sets the subject's ``status`` and records the transition. Binding one costs about a
  microsecond and it holds four references.
- ``"reference"``: python-statemachine's own engine, an instance of the lifecycle class.
  It is the reference the compiled engine is tested against (``tests/machines``), and the
  engine to switch to when a lifecycle behaves unexpectedly.

The engine is read from the ``AGENTCHARTS_ENGINE`` environment variable when the package is
imported, and can be changed at run time with :func:`set_engine`; machines already bound
keep the engine they were bound with.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from agentcharts.exceptions import DefinitionError, IllegalTransitionError
from agentcharts.machines._table import compile_lifecycle, guard_parameters

if TYPE_CHECKING:
    from agentcharts.machines._base import Lifecycle, TransitionRecorder
    from agentcharts.machines._table import Guard, TransitionTable

__all__ = [
    "ENGINES",
    "ENGINE_VARIABLE",
    "CompiledMachine",
    "Engine",
    "Machine",
    "bind",
    "engine",
    "set_engine",
]

Engine = Literal["compiled", "reference"]
"""The name of a lifecycle engine."""

ENGINES: tuple[Engine, ...] = get_args(Engine)
"""Every engine's name."""

ENGINE_VARIABLE = "AGENTCHARTS_ENGINE"
"""The environment variable read at import: ``compiled`` (the default) or ``reference``."""


class Machine(Protocol):
    """What the runtime needs of a bound lifecycle machine, on either engine."""

    machine_id: str

    @property
    def state_id(self) -> str:
        """The id of the current state (``"executing"``)."""

    def fire(self, event: str, **kwargs: Any) -> None:
        """Send ``event``; raise :class:`IllegalTransitionError` if the lifecycle refuses it."""


def _checked(name: str, source: str) -> Engine:
    if name not in ENGINES:
        choices = ", ".join(repr(e) for e in ENGINES)
        msg = f"{source} must be one of {choices}, got {name!r}"
        raise DefinitionError(msg)
    return name


_current: list[Engine] = [_checked(os.environ.get(ENGINE_VARIABLE, "compiled"), ENGINE_VARIABLE)]


def engine() -> Engine:
    """The engine that :func:`bind` uses now."""
    return _current[0]


def set_engine(name: Engine) -> Engine:
    """
    Choose the engine for machines bound from now on; return the one used before.

    Args:
        name: ``"compiled"`` or ``"reference"``.

    Raises:
        DefinitionError: ``name`` is not an engine.
    """
    previous = _current[0]
    _current[0] = _checked(name, "the lifecycle engine")
    return previous


def bind(
    lifecycle: type[Lifecycle],
    subject: Any,
    *,
    machine_id: str,
    recorder: TransitionRecorder | None = None,
) -> Machine:
    """
    Bind a lifecycle to its subject on the current engine.

    A subject whose ``status`` is ``None`` is set to the initial state; one that has a
    status is restored there.

    Args:
        lifecycle: The lifecycle class (``NodeLifecycle``).
        subject: The object whose ``status`` holds the state and which answers the guards.
        machine_id: The id of what the machine tracks; it appears in records and errors.
        recorder: Records every transition.

    Raises:
        DefinitionError: The lifecycle cannot be compiled, or the subject lacks a guard or
            defines a callback the compiled engine would not call.
    """
    if _current[0] == "reference":
        return lifecycle(subject, machine_id=machine_id, recorder=recorder)
    return CompiledMachine(compile_lifecycle(lifecycle), subject, machine_id, recorder)


_CHECKED: set[tuple[int, type[Any]]] = set()


def _check_subject(table: TransitionTable, subject: Any) -> None:
    """Check, once per subject type, that the subject answers every guard and no callback."""
    key = (id(table), type(subject))
    if key in _CHECKED:
        return
    kind = type(subject).__name__
    for name in sorted(table.guard_names()):
        if not hasattr(subject, name):
            msg = f"{table.name} needs its subject to answer the guard {name!r}; {kind} does not"
            raise DefinitionError(msg)
    for name in sorted(table.conventions):
        if hasattr(subject, name):
            msg = (
                f"{kind} defines {name!r}, a callback python-statemachine would call on "
                f"{table.name}; the compiled engine calls none, so drop it or rename it"
            )
            raise DefinitionError(msg)
    _CHECKED.add(key)


class CompiledMachine:
    """A lifecycle bound to its subject, driven by the lifecycle's transition table."""

    __slots__ = ("_recorder", "_table", "machine_id", "subject")

    def __init__(
        self,
        table: TransitionTable,
        subject: Any,
        machine_id: str,
        recorder: TransitionRecorder | None,
    ) -> None:
        """Bind ``table`` to ``subject``; :func:`bind` is the usual way to build one."""
        _check_subject(table, subject)
        if getattr(subject, "status", None) is None:
            subject.status = table.initial
        elif subject.status not in table.state_ids:
            msg = f"{table.name} has no state {subject.status!r} (subject {machine_id!r})"
            raise DefinitionError(msg)
        self._table = table
        self._recorder = recorder
        self.machine_id = machine_id
        self.subject = subject

    @property
    def state_id(self) -> str:
        """The id of the current state (``"executing"``)."""
        return self._table.state_ids[self.subject.status]

    def fire(self, event: str, **kwargs: Any) -> None:
        """
        Send ``event``; raise :class:`IllegalTransitionError` if the lifecycle refuses it.

        The transitions from the current state on ``event`` are tried in declaration order;
        the first whose guards all admit it is taken. A guard is the subject's attribute of
        that name: a method is called with those of ``kwargs`` its signature names, any
        other value is read as it is.

        Raises:
            IllegalTransitionError: The event is not allowed in the current state, or every
                transition's guard refused it (``guard_failed`` is then true).
        """
        table = self._table
        subject = self.subject
        source = subject.status
        steps = table.steps.get((source, event))
        if steps is not None:
            for step in steps:
                if step.guards and not _all_admit(subject, step.guards, kwargs):
                    continue
                subject.status = step.target
                recorder = self._recorder
                if recorder is not None:
                    from_id = table.state_ids[source]
                    recorder.record(table.kind, self.machine_id, from_id, event, step.target_id)
                return
        raise IllegalTransitionError(
            table.name,
            self.machine_id,
            table.state_ids[source],
            event,
            guard_failed=steps is not None,
        )

    def __repr__(self) -> str:
        """``CompiledMachine(NodeLifecycle, 'a', state='executing')``."""
        return f"CompiledMachine({self._table.name}, {self.machine_id!r}, state={self.state_id!r})"


def _all_admit(subject: Any, guards: tuple[Guard, ...], kwargs: dict[str, Any]) -> bool:
    return all(_admits(subject, guard.name, kwargs) is guard.expected for guard in guards)


def _admits(subject: Any, name: str, kwargs: dict[str, Any]) -> bool:
    value = getattr(subject, name)
    if not callable(value):
        return bool(value)
    if not kwargs:
        return bool(value())
    accepted = guard_parameters(value)
    if accepted is None:
        return bool(value(**kwargs))
    return bool(value(**{k: v for k, v in kwargs.items() if k in accepted}))
