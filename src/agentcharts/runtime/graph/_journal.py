"""The session writer of a graph: journal entries, group commit, durability and compaction.

A graph with a store writes each change of its run as a small journal entry. Entries are
handed to the writer on the event loop; the store is only ever called from the writer's own
thread, one call at a time, so a slow database never stalls the loop. While one append is in
flight, new entries wait, and the next append takes them all at once (group commit): a wide
fan-out costs a few writes, not one per node.

The writer also keeps a :class:`~agentcharts.runtime.graph._replay.RunImage` of the stored
run, updated from the entries it writes, and compacts the session from it (a new snapshot
replacing the journal) when the journal grows past a threshold, all on its thread.
"""

from __future__ import annotations

import asyncio
import copy
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal

from agentcharts.exceptions import PersistenceError
from agentcharts.schemas.persisted import dump_entry, dump_session
from agentcharts.schemas.records import JournalEntry, RunChange, Timings
from agentcharts.schemas.status import Status

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from agentcharts.runtime.graph._replay import RunImage
    from agentcharts.runtime.graph._run import NodeRun, RunState
    from agentcharts.runtime.sessions import SessionStore
    from agentcharts.schemas.records import InterruptRecord
    from agentcharts.schemas.trace import TransitionRecord

__all__ = [
    "COMPACT_BYTES",
    "COMPACT_ENTRIES",
    "DURABILITIES",
    "NO_JOURNAL",
    "Durability",
    "NoJournal",
    "RunJournal",
    "SessionWriter",
    "store_thread",
]

Durability = Literal["sync", "async", "exit"]
"""When a graph's changes reach its store; see ``docs/guides/sessions.md``."""

DURABILITIES: tuple[Durability, ...] = ("sync", "async", "exit")
"""Every durability, in order of how much a crash can lose."""

COMPACT_ENTRIES = 10_000
"""By default, a session is compacted when its journal holds this many entries..."""
COMPACT_BYTES = 1024 * 1024
"""...or more bytes of entries than this and than its snapshot, whichever comes first."""


def store_thread() -> ThreadPoolExecutor:
    """A thread of its own for a graph's store calls."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentcharts-store")


class SessionWriter:
    """Appends one run's journal entries to its session, off the event loop."""

    def __init__(
        self,
        store: SessionStore,
        session_id: str,
        *,
        version: int,
        image: RunImage,
        node_ids: frozenset[str],
        journal_entries: int,
        journal_bytes: int,
        durability: Durability,
        thread: ThreadPoolExecutor,
        compact_entries: int = COMPACT_ENTRIES,
        compact_bytes: int = COMPACT_BYTES,
    ) -> None:
        """
        Take over writing a session that is stored at ``version``.

        Args:
            store: The session store.
            session_id: The session.
            version: The session's stored version, which the first append expects.
            image: The stored run, as of ``version``.
            node_ids: The graph's node ids, which every node entry must name.
            journal_entries: How many entries the stored journal already holds.
            journal_bytes: Their size in bytes.
            durability: ``"sync"``, ``"async"`` or ``"exit"``.
            thread: Where the store is called.
            compact_entries: Compact when the journal holds this many entries.
            compact_bytes: Compact when the journal holds this many bytes.
        """
        self.store = store
        self.session_id = session_id
        self.version = version
        """The version of the last write that succeeded."""
        self.image = image
        self.node_ids = node_ids
        self.durability: Durability = durability
        self.thread = thread
        self.compact_entries = compact_entries
        self.compact_bytes = compact_bytes
        self.writes = 0
        """How many store calls this writer made (appends and compactions)."""
        self.failure: BaseException | None = None
        """Why a write failed; once set, nothing more is written."""
        self.snapshot_bytes = 0
        """The size of the stored snapshot: the journal is compacted once it outgrows it."""
        self._journal_entries = journal_entries
        self._journal_bytes = journal_bytes
        self._queued: list[JournalEntry] = []
        self._in_flight: asyncio.Future[None] | None = None
        self._added = 0
        self._written = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    # ------------------------------------------------------------------ on the loop

    def add(self, entry: JournalEntry) -> None:
        """Queue an entry; it is written with the next append (unless durability is exit)."""
        if self.failure is not None:
            return
        self._queued.append(entry)
        self._added += 1
        if self.durability != "exit" and self._in_flight is None:
            self._start()

    @property
    def added(self) -> int:
        """How many entries have been added so far."""
        return self._added

    async def durable(self, upto: int | None = None) -> None:
        """
        Wait until the first ``upto`` entries (by default, every entry so far) are stored.

        Raises:
            PersistenceError: A write failed (``SessionConflictError`` when another
                process took the session over).
        """
        target = self._added if upto is None else upto
        if self.failure is not None:
            raise self.failure
        if self._written >= target:
            return
        if self._in_flight is None:
            self._start()
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append((target, waiter))
        await waiter

    def _start(self) -> None:
        batch, self._queued = self._queued, []
        loop = asyncio.get_running_loop()
        self._in_flight = loop.run_in_executor(self.thread, self._write, batch)
        self._in_flight.add_done_callback(lambda done: self._done(done, len(batch)))

    def _done(self, done: asyncio.Future[None], count: int) -> None:
        self._in_flight = None
        error = None if done.cancelled() else done.exception()
        if done.cancelled() or error is not None:
            self.failure = error or PersistenceError(
                f"a write to session {self.session_id!r} was cancelled"
            )
            waiters, self._waiters = self._waiters, []
            for _, waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(self.failure)
            return
        self._written += count
        still = []
        for target, waiter in self._waiters:
            if target <= self._written:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                still.append((target, waiter))
        self._waiters = still
        if self._queued and (self.durability != "exit" or still):
            self._start()

    # ------------------------------------------------------------------ on the store thread

    def _write(self, batch: list[JournalEntry]) -> None:
        texts = [dump_entry(entry) for entry in batch]
        self.version = self.store.append(self.session_id, texts, expected_version=self.version)
        self.writes += 1
        for entry in batch:
            self.image.apply(entry, self.node_ids)
        self._journal_entries += len(texts)
        self._journal_bytes += sum(len(text) for text in texts)
        if self._journal_entries >= self.compact_entries or self._journal_bytes >= max(
            self.compact_bytes, self.snapshot_bytes
        ):
            self._compact()

    def _compact(self) -> None:
        document = dump_session(self.image.record())
        self.store.compact(self.session_id, document, version=self.version)
        self.writes += 1
        self.snapshot_bytes = len(document)
        self._journal_entries = 0
        self._journal_bytes = 0


class RunJournal:
    """Turns the changes of a live run into journal entries for its session writer."""

    def __init__(
        self, writer: SessionWriter, run: RunState, clock: Callable[[], datetime], *, stored: int
    ) -> None:
        """
        Journal the changes of ``run`` through ``writer``, stamping them with ``clock``.

        Args:
            writer: The session's writer.
            run: The live run.
            clock: The graph's clock.
            stored: How many of the run's transitions the store already holds.
        """
        self.writer = writer
        self.run = run
        self.clock = clock
        self._mark = stored

    @property
    def failure(self) -> BaseException | None:
        """Why a write failed, if one did."""
        return self.writer.failure

    def _transitions(self) -> tuple[TransitionRecord, ...]:
        transitions = self.run.transitions
        new = tuple(transitions[self._mark :])
        self._mark = len(transitions)
        return new

    def _interrupts(self) -> tuple[InterruptRecord, ...] | None:
        records = self.run.ledger.records
        return tuple(copy.deepcopy(r) for r in records) if records else None

    def node(
        self,
        node: NodeRun,
        event: str,
        *,
        consumed: tuple[str, ...] = (),
        fired: tuple[str, ...] = (),
    ) -> None:
        """Journal one node's lifecycle event, with the node as it is after it."""
        self.writer.add(
            JournalEntry(
                kind="node",
                event=event,
                at=self.clock(),
                node=node.snapshot(),
                consumed=consumed,
                fired=fired,
                interrupts=self._interrupts(),
                usage=self.run.usage,
                transitions=self._transitions(),
            )
        )

    def run_event(self, event: str, *, answers: dict[str, Any] | None = None) -> None:
        """Journal the graph's lifecycle event, with the run's state after it."""
        run = self.run
        run.updated_at = self.clock()
        change = RunChange(
            status=run.status or Status.PENDING,
            timings=Timings(run.started_at, run.updated_at, run.execution_time_ms),
            error=run.error,
        )
        self.writer.add(
            JournalEntry(
                kind="run",
                event=event,
                at=run.updated_at,
                run=change,
                answers=answers or {},
                interrupts=self._interrupts(),
                usage=run.usage,
                transitions=self._transitions(),
            )
        )

    def claim(self, reason: str) -> None:
        """Journal that this invocation takes the run over (the append is the CAS)."""
        self.writer.add(
            JournalEntry(
                kind="claim", event=reason, at=self.clock(), transitions=self._transitions()
            )
        )

    async def durable(self) -> None:
        """Wait until every entry so far is stored (raises the write's error if one failed)."""
        await self.writer.durable()

    def mark(self) -> int:
        """How many entries there are so far (to wait for them later)."""
        return self.writer.added

    async def settle(self, upto: int) -> None:
        """
        With durability ``"sync"``, wait until the first ``upto`` entries are stored.

        A node waits for the entries before its own start (the completions that fed it,
        the answers it resumes with), not for its start: if that is lost in a crash, the
        node is still pending with its inputs, or answered, and runs again the same way.
        """
        if self.writer.durability == "sync":
            await self.writer.durable(upto)


class NoJournal:
    """The journal of a graph without a store: every change is forgotten at once."""

    failure: BaseException | None = None

    def node(
        self,
        node: NodeRun,
        event: str,
        *,
        consumed: tuple[str, ...] = (),
        fired: tuple[str, ...] = (),
    ) -> None:
        """Do nothing."""

    def run_event(self, event: str, *, answers: dict[str, Any] | None = None) -> None:
        """Do nothing."""

    def claim(self, reason: str) -> None:
        """Do nothing."""

    async def durable(self) -> None:
        """Do nothing."""

    def mark(self) -> int:
        """Nothing is ever added."""
        return 0

    async def settle(self, upto: int) -> None:
        """Do nothing."""


NO_JOURNAL = NoJournal()
"""The one journal of every graph without a store."""
