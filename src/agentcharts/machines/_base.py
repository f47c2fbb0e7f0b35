"""The strict base of every lifecycle, and the recorder that observes their transitions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from statemachine import StateChart
from statemachine.exceptions import TransitionNotAllowed

from agentcharts.exceptions import IllegalTransitionError
from agentcharts.schemas.trace import TransitionRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from statemachine import State

__all__ = ["Lifecycle", "TransitionRecorder", "utc_now"]


def utc_now() -> datetime:
    """Return the current time in UTC; the default clock of recorders."""
    return datetime.now(UTC)


class TransitionRecorder:
    """
    Records every transition of the machines it is given to.

    One recorder may serve many machines; each record names the machine kind and id.
    ``sink``, when given, receives each record as it happens (the runtime persists them
    there); ``records`` keeps them all in order. A :class:`Lifecycle` calls
    :meth:`after_transition` itself after each transition made by :meth:`Lifecycle.fire`,
    and the compiled engine calls :meth:`record`; :meth:`after_transition` also has the
    signature of a python-statemachine listener, so a recorder can be attached to any other
    machine with ``listeners=[recorder]``.
    """

    def __init__(
        self,
        sink: Callable[[TransitionRecord], None] | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        keep: bool = True,
    ) -> None:
        """
        Create a recorder.

        Args:
            sink: Called with each record as it is made.
            clock: Returns the time stamped on each record; inject a fixed clock in tests.
            keep: Whether to keep the records in :attr:`records`.
        """
        self.records: list[TransitionRecord] = []
        """Every transition seen so far, in order (empty when ``keep`` is false)."""
        self._sink = sink
        self._clock = clock
        self._keep = keep

    def record(self, kind: str, machine_id: str, source: str, event: str, target: str) -> None:
        """Record one transition of the machine ``kind``/``machine_id``, by state ids."""
        record = TransitionRecord(
            machine=kind,
            machine_id=machine_id,
            source=source,
            event=event,
            target=target,
            at=self._clock(),
        )
        if self._keep:
            self.records.append(record)
        if self._sink is not None:
            self._sink(record)

    def after_transition(self, event: str, source: State, target: State, machine: Any) -> None:
        """Record one transition; python-statemachine calls this after each one."""
        self.record(machine.kind, machine.machine_id, source.id, str(event), target.id)


class Lifecycle(StateChart):  # type: ignore[type-arg]
    """
    The strict base of the four lifecycles.

    A machine is bound to a *subject*: the runtime object whose ``status`` attribute holds
    the current state and which implements the guards the machine names. The machines do no
    I/O and have no async callbacks, so python-statemachine always runs them on its
    synchronous engine and every transition completes inside :meth:`fire`.

    Building a machine for a subject whose ``status`` is already set *restores* it at that
    state: no entry action runs, and the machine continues from there. A subject without a
    status is set to the initial state and restored there too: no lifecycle has entry
    actions, so this is the same as activating the initial state, and it costs about half
    as much (see ``docs/performance.md``).

    The recorder is not registered as a python-statemachine listener: the library resolves
    every listener against every callback name of the chart on each instantiation and calls
    it on each transition, which made a node's machine work about 1.5 times as costly.
    :meth:`fire` knows the source, the event and the target, and records them itself.
    """

    allow_event_without_transition = False
    """An event that has no transition from the current state raises instead of being ignored."""

    catch_errors_as_events = False
    """An exception in a guard propagates to the runtime that sent the event; it is never
    turned into an internal ``error.execution`` event that could swallow it."""

    kind: ClassVar[str] = "lifecycle"
    """The machine kind stamped on transition records (``"node"``, ``"tool_call"``...)."""

    def __init__(
        self,
        subject: Any,
        *,
        machine_id: str,
        recorder: TransitionRecorder | None = None,
    ) -> None:
        """
        Bind a machine to its subject, restoring it if the subject already has a status.

        Args:
            subject: The object whose ``status`` holds the state and which implements
                the guards named by the machine's transitions.
            machine_id: The id of what the machine tracks; it appears in records and errors.
            recorder: Records every transition made through :meth:`fire`.
        """
        self.machine_id = machine_id
        self._recorder = recorder
        if getattr(subject, "status", None) is None:
            initial = type(self).initial_state
            assert initial is not None  # noqa: S101 - every lifecycle declares one
            subject.status = initial.value
        super().__init__(model=subject, state_field="status")

    @property
    def state_id(self) -> str:
        """The id of the current state (``"executing"``)."""
        return ",".join(state.id for state in self.configuration)

    def fire(self, event: str, **kwargs: Any) -> None:
        """
        Send ``event``; raise :class:`IllegalTransitionError` if the lifecycle refuses it.

        Args:
            event: The event's name (``"start"``).
            **kwargs: Passed to the guards and actions that ask for them.

        Raises:
            IllegalTransitionError: The event is not allowed in the current state, or its
                guard refused it (``guard_failed`` is then true).
        """
        recorder = self._recorder
        (source,) = self.configuration
        try:
            self.send(event, **kwargs)
        except TransitionNotAllowed:
            known = {str(e.id) for e in self.allowed_events}
            raise IllegalTransitionError(
                type(self).__name__,
                self.machine_id,
                self.state_id,
                event,
                guard_failed=event in known,
            ) from None
        if recorder is not None:
            (target,) = self.configuration
            recorder.after_transition(event, source, target, self)
