"""Human-in-the-loop plumbing: interrupt ids, the ledger of one turn, and resume input."""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING, Any

from attrs import frozen

from agentcharts.exceptions import ResumeInputError, UnknownInterruptError
from agentcharts.machines._engine import bind
from agentcharts.machines.interrupt import InterruptLifecycle
from agentcharts.schemas._problems import NotJSONError, copy_json_value
from agentcharts.schemas.records import InterruptRecord, InterruptSource
from agentcharts.schemas.status import InterruptStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from agentcharts.machines._base import TransitionRecorder
    from agentcharts.machines._engine import Machine

__all__ = [
    "Interrupt",
    "InterruptLedger",
    "InterruptResponse",
    "InterruptSignal",
    "interrupt_id",
    "is_resume_input",
    "parse_resume_input",
]


@frozen
class Interrupt:
    """
    A question for a human, as the caller sees it in a result.

    .. versionadded:: 0.1
    """

    id: str
    """Pass it back in ``{"interruptResponse": {"interruptId": id, "response": ...}}``."""
    name: str
    """The name the tool or hook gave it."""
    reason: Any = None
    """Why it was raised, for the human."""
    response: Any = None
    """The response, once one was given."""
    owner: str = ""
    """Who raised it: the agent's name, or the node path inside a graph."""

    @classmethod
    def from_record(cls, record: InterruptRecord) -> Interrupt:
        """Build the public view of a persisted interrupt record."""
        return cls(record.id, record.name, record.reason, record.response, record.owner)

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"id", "name", "reason", "response", "owner"}``."""
        return {
            "id": self.id,
            "name": self.name,
            "reason": self.reason,
            "response": self.response,
            "owner": self.owner,
        }


class InterruptSignal(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Unwinds a tool or hook that raised an interrupt; the runtime catches it."""

    def __init__(self, record: InterruptRecord) -> None:
        """Carry the pending interrupt."""
        self.record = record
        super().__init__(f"interrupt {record.name!r} ({record.id}) is waiting for a response")


@frozen
class InterruptResponse:
    """One parsed entry of resume input."""

    interrupt_id: str
    """The interrupt it answers."""
    response: Any
    """The response (any JSON value, ``None`` included)."""


def interrupt_id(source: InterruptSource, scope: str, anchor: str, name: str) -> str:
    """
    Return the deterministic id of an interrupt.

    The same (source, scope, anchor, name) always gives the same id, so a tool or hook that
    runs again on resume finds its stored response. ``scope`` is the agent's name or the
    node path (with its visit count) inside a graph, so two nodes never share an id.

    Args:
        source: Where it is raised (``"tool"``, ``"before_tool_call"``, ``"before_node_call"``).
        scope: The agent or node path that owns it.
        anchor: The tool use id, or the node id for node hooks.
        name: The interrupt's name.
    """
    digest = uuid.uuid5(uuid.NAMESPACE_OID, name)
    return f"v1:{source}:{scope}:{anchor}:{digest}"


def _json_problem(value: object) -> str | None:
    try:
        copy_json_value(value)
    except NotJSONError as error:
        return str(error)
    return None


def is_resume_input(value: object) -> bool:
    """Return whether ``value`` looks like resume input (a non-empty list of response blocks)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and "interruptResponse" in item for item in value)
    )


def parse_resume_input(value: object, pending_ids: Sequence[str]) -> list[InterruptResponse]:
    """
    Validate resume input and return its responses.

    Args:
        value: ``[{"interruptResponse": {"interruptId": id, "response": value}}, ...]``.
        pending_ids: The ids still pending, for the error message.

    Raises:
        ResumeInputError: The input is not a list of well-formed response blocks, or names an
            interrupt twice.
    """
    if not isinstance(value, list) or not value:
        raise ResumeInputError(
            "resume input must be a non-empty list of {'interruptResponse': {...}} blocks, "
            f"got {type(value).__name__}",
            pending_ids=pending_ids,
        )
    responses: list[InterruptResponse] = []
    for index, item in enumerate(value):
        body = item.get("interruptResponse") if isinstance(item, dict) else None
        if not isinstance(item, dict) or set(item) != {"interruptResponse"}:
            problem = "must be a dict with the single key 'interruptResponse'"
        elif not isinstance(body, dict) or set(body) != {"interruptId", "response"}:
            problem = "'interruptResponse' must be a dict with keys 'interruptId' and 'response'"
        elif not isinstance(body["interruptId"], str) or not body["interruptId"]:
            problem = "'interruptId' must be a non-empty string"
        elif (not_json := _json_problem(body["response"])) is not None:
            problem = f"'response' must be a JSON value: {not_json}"
        else:
            responses.append(InterruptResponse(body["interruptId"], body["response"]))
            continue
        raise ResumeInputError(f"resume input item {index} {problem}", pending_ids=pending_ids)
    ids = [r.interrupt_id for r in responses]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ResumeInputError(
            f"resume input answers {duplicates[0]!r} more than once", pending_ids=pending_ids
        )
    return responses


class InterruptLedger:
    """
    The interrupts of one owner (an agent's turn, or a graph), each driven by its lifecycle.

    Thread-safe: tools running on worker threads raise interrupts through it.
    """

    def __init__(
        self,
        records: Iterable[InterruptRecord] = (),
        *,
        recorder: TransitionRecorder | None = None,
    ) -> None:
        """
        Build a ledger, restoring saved records at their saved states.

        Args:
            records: Interrupts to restore.
            recorder: Records the interrupts' transitions.
        """
        self._lock = threading.Lock()
        self._recorder = recorder
        self._records: dict[str, InterruptRecord] = {}
        self._machines: dict[str, Machine] = {}
        for record in records:
            self._records[record.id] = record
            self._machines[record.id] = bind(
                InterruptLifecycle, record, machine_id=record.id, recorder=recorder
            )

    @property
    def records(self) -> tuple[InterruptRecord, ...]:
        """Every interrupt, in the order raised."""
        with self._lock:
            return tuple(self._records.values())

    @property
    def pending(self) -> tuple[InterruptRecord, ...]:
        """The interrupts still waiting for a response."""
        return tuple(r for r in self.records if r.status is InterruptStatus.PENDING)

    def get(self, interrupt_id: str) -> InterruptRecord | None:
        """Return the interrupt with that id, if any."""
        with self._lock:
            return self._records.get(interrupt_id)

    def raise_or_answer(
        self,
        *,
        interrupt_id: str,
        name: str,
        reason: Any,
        source: InterruptSource,
        owner: str,
        tool_use_id: str | None,
    ) -> Any:
        """
        Return the stored response for this interrupt, or register it and raise the signal.

        Raises:
            InterruptSignal: No response was given yet; the interrupt is now pending.
        """
        with self._lock:
            record = self._records.get(interrupt_id)
            if record is None:
                record = InterruptRecord(
                    id=interrupt_id,
                    name=name,
                    reason=reason,
                    source=source,
                    owner=owner,
                    tool_use_id=tool_use_id,
                )
                self._records[interrupt_id] = record
                self._machines[interrupt_id] = bind(
                    InterruptLifecycle, record, machine_id=interrupt_id, recorder=self._recorder
                )
        if record.answered:
            return record.response
        raise InterruptSignal(record)

    def answer(self, responses: Sequence[InterruptResponse]) -> None:
        """
        Record responses, all or none: every id must name a pending interrupt.

        Raises:
            UnknownInterruptError: An id is unknown or already settled; nothing was recorded.
        """
        with self._lock:
            pending = [i for i, r in self._records.items() if r.status is InterruptStatus.PENDING]
            for response in responses:
                if response.interrupt_id not in pending:
                    raise UnknownInterruptError(response.interrupt_id, pending_ids=pending)
            for response in responses:
                record = self._records[response.interrupt_id]
                record.response = response.response
                record.answered = True
                self._machines[response.interrupt_id].fire("answer")

    def reject(self, interrupt_id: str) -> None:
        """Mark an answered interrupt rejected: its tool or hook refused to proceed."""
        with self._lock:
            record = self._records[interrupt_id]
            if record.status is InterruptStatus.ANSWERED:
                self._machines[interrupt_id].fire("reject")

    def cancel_pending(self) -> None:
        """Withdraw every pending interrupt (its owner failed or was cancelled)."""
        with self._lock:
            for interrupt_id, record in self._records.items():
                if record.status is InterruptStatus.PENDING:
                    self._machines[interrupt_id].fire("cancel")

    def clear(self) -> None:
        """Forget every interrupt (the turn they belonged to is over)."""
        with self._lock:
            self._records.clear()
            self._machines.clear()
