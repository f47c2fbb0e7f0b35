"""A stored run rebuilt from its snapshot and journal: replay through the lifecycles.

Loading a session and compacting one both fold journal entries over a snapshot. The fold
checks every entry against the lifecycle of what it changes: an entry whose event the node's
(or the graph's) lifecycle does not allow from the state the replay reached, or that names
an unknown node, is refused with :class:`ReplayError`; the graph turns it into a
:class:`~agentcharts.exceptions.CorruptSessionError` naming the session and the entry's
version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrs import evolve

from agentcharts.exceptions import CorruptSessionError, SnapshotDecodeError
from agentcharts.machines._table import compile_lifecycle
from agentcharts.machines.graph import GraphLifecycle
from agentcharts.machines.node import NodeLifecycle
from agentcharts.schemas.persisted import load_entry, load_session
from agentcharts.schemas.records import GraphSnapshot, NodeSnapshot, SessionRecord
from agentcharts.schemas.status import Status

if TYPE_CHECKING:
    from agentcharts.machines._table import TransitionTable
    from agentcharts.runtime.sessions import StoredSession
    from agentcharts.schemas.records import InterruptRecord, JournalEntry
    from agentcharts.schemas.trace import TransitionRecord

__all__ = ["ReplayError", "RunImage", "load_stored_session", "replay_session"]


class ReplayError(Exception):
    """A journal entry that the lifecycles refuse, or that does not fit the run."""


def _target(table: TransitionTable, state: Status, event: str) -> Status | None:
    """Where ``event`` leads from ``state`` in a lifecycle, ignoring guards; ``None``: nowhere."""
    steps = table.steps.get((state, event))
    if not steps:
        return None
    target = steps[0].target
    assert isinstance(target, Status)  # noqa: S101 - lifecycle states are Status values
    return target


class RunImage:
    """
    A run as data: a snapshot that journal entries are applied to, one at a time.

    Cheap to update (an entry touches one node and a few inputs), so the session writer
    keeps one beside the live run and compacts from it without touching the event loop.
    """

    def __init__(self, record: SessionRecord) -> None:
        """Start from a stored snapshot."""
        graph = record.graph
        self.session_id = record.session_id
        self.graph = graph
        self.nodes: dict[str, NodeSnapshot] = dict(graph.nodes)
        self.pending_inputs: dict[str, list[str]] = {
            k: list(v) for k, v in graph.pending_inputs.items()
        }
        self.execution_order: list[str] = list(graph.execution_order)
        self.interrupts: tuple[InterruptRecord, ...] = graph.interrupts
        self.status = graph.status
        self.timings = graph.timings
        self.usage = graph.usage
        self.error = graph.error
        self.transitions: list[TransitionRecord] = list(record.transitions)

    def apply(self, entry: JournalEntry, node_ids: frozenset[str] | None = None) -> None:
        """
        Apply one entry.

        Args:
            entry: The entry.
            node_ids: The graph's node ids, when known: an entry naming another node is
                refused.

        Raises:
            ReplayError: The lifecycle refuses the entry's event, or the entry does not fit.
        """
        if entry.kind == "node":
            self._apply_node(entry, node_ids)
        elif entry.kind == "run":
            self._apply_run(entry)
        if entry.interrupts is not None:
            self.interrupts = entry.interrupts
        if entry.usage is not None:
            self.usage = entry.usage
        self.transitions.extend(entry.transitions)

    def _apply_node(self, entry: JournalEntry, node_ids: frozenset[str] | None) -> None:
        node = entry.node
        if node is None:
            raise ReplayError(f"a node {entry.event!r} entry without its node")
        node_id = node.node_id
        if node_ids is not None and node_id not in node_ids:
            raise ReplayError(f"node {node_id!r} is not a node of this graph")
        before = self.nodes.get(node_id)
        state = before.status if before is not None else Status.PENDING
        table = compile_lifecycle(NodeLifecycle)
        if entry.event == "start" and state is Status.COMPLETED:
            state = Status.PENDING  # the revisit of a cycle, recorded with its start
        target = _target(table, state, entry.event)
        if target is None or target is not node.status:
            raise ReplayError(
                f"node {node_id!r} cannot go from {state.value} to {node.status.value} "
                f"on {entry.event!r}"
            )
        if entry.event == "start":
            self._consume(node_id, entry.consumed)
        elif entry.event == "recover":
            assert before is not None  # noqa: S101 - only an executing node recovers
            waiting = self.pending_inputs.get(node_id, [])
            self.pending_inputs[node_id] = [*before.inputs, *waiting]
        self.nodes[node_id] = node
        if entry.event == "complete":
            self.execution_order.append(node_id)
            for target_id in entry.fired:
                if node_ids is not None and target_id not in node_ids:
                    raise ReplayError(f"an edge fired to {target_id!r}, not a node of this graph")
                self.pending_inputs.setdefault(target_id, []).append(node_id)

    def _consume(self, node_id: str, consumed: tuple[str, ...]) -> None:
        pending = self.pending_inputs.get(node_id, [])
        if list(consumed) != pending[: len(consumed)]:
            raise ReplayError(
                f"node {node_id!r} started with inputs {list(consumed)}, "
                f"but its pending inputs were {pending}"
            )
        rest = pending[len(consumed) :]
        if rest:
            self.pending_inputs[node_id] = rest
        else:
            self.pending_inputs.pop(node_id, None)

    def _apply_run(self, entry: JournalEntry) -> None:
        change = entry.run
        if change is None:
            raise ReplayError(f"a run {entry.event!r} entry without the run's state")
        target = _target(compile_lifecycle(GraphLifecycle), self.status, entry.event)
        if target is None or target is not change.status:
            raise ReplayError(
                f"the graph cannot go from {self.status.value} to {change.status.value} "
                f"on {entry.event!r}"
            )
        for node_id, answer in entry.answers.items():
            node = self.nodes.get(node_id)
            if node is None or node.status is not Status.INTERRUPTED:
                raise ReplayError(f"an answer for node {node_id!r}, which is not interrupted")
            self.nodes[node_id] = evolve(node, answered=True, resume_input=answer)
        self.status = change.status
        self.timings = change.timings
        self.error = change.error

    def snapshot(self) -> GraphSnapshot:
        """The run as one snapshot, every entry applied."""
        return evolve(
            self.graph,
            status=self.status,
            nodes=dict(self.nodes),
            execution_order=tuple(self.execution_order),
            pending_inputs={k: tuple(v) for k, v in self.pending_inputs.items() if v},
            interrupts=self.interrupts,
            timings=self.timings,
            usage=self.usage,
            error=self.error,
        )

    def record(self) -> SessionRecord:
        """The run as a session record, as a compaction writes it."""
        return SessionRecord(self.session_id, self.snapshot(), tuple(self.transitions))


def replay_session(
    stored: StoredSession, node_ids: frozenset[str] | None = None
) -> tuple[RunImage, list[JournalEntry]]:
    """
    Rebuild a stored session's run: its snapshot with every journal entry applied.

    Args:
        stored: What the store's ``load`` returned.
        node_ids: The graph's node ids, when known: an entry naming another node is refused.

    Returns:
        The run, and the entries that were applied.

    Raises:
        CorruptSessionError: The snapshot cannot be read, or an entry cannot be read or is
            refused by the lifecycles; the message names the entry's version.
    """
    session_id = stored.session_id
    try:
        image = RunImage(load_session(stored.document))
    except SnapshotDecodeError as error:
        raise CorruptSessionError(session_id, str(error)) from error
    entries = []
    for offset, text in enumerate(stored.entries):
        version = stored.snapshot_version + 1 + offset
        try:
            entry = load_entry(text)
            image.apply(entry, node_ids)
        except (SnapshotDecodeError, ReplayError) as error:
            raise CorruptSessionError(
                session_id, f"journal entry {version} cannot be replayed: {error}"
            ) from error
        entries.append(entry)
    return image, entries


def load_stored_session(stored: StoredSession) -> SessionRecord:
    """
    Read a stored session as one record: its snapshot with its journal replayed.

    This is what a graph restores when it loads the session; use it to inspect a session
    without a graph (``store.load(...).document`` alone is only the latest snapshot).

    Args:
        stored: What the store's ``load`` returned.

    Returns:
        The session's current state and every transition of its run.

    Raises:
        CorruptSessionError: The snapshot or an entry cannot be read, or an entry is refused
            by the lifecycles.

    .. versionadded:: 0.2
    """
    image, _ = replay_session(stored)
    return image.record()
