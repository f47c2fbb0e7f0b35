"""A graph's session: reading its run from the store, and the journal of each invocation.

Every store call of an invocation runs on one thread of the invocation's own (started with
it, joined when it returns), never on the event loop's thread.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from agentcharts.exceptions import SessionNotFoundError
from agentcharts.runtime.graph._journal import RunJournal, SessionWriter, store_thread
from agentcharts.runtime.graph._replay import RunImage, replay_session
from agentcharts.schemas.persisted import dump_session
from agentcharts.schemas.records import SessionRecord

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import ThreadPoolExecutor
    from datetime import datetime

    from agentcharts.runtime.graph._journal import Durability
    from agentcharts.runtime.graph._run import RunState
    from agentcharts.runtime.sessions import SessionStore

__all__ = ["GraphSession", "Loaded"]


class Loaded:
    """A session as read from the store: its version, replayed run and journal size."""

    __slots__ = ("entries", "entry_bytes", "image", "snapshot_bytes", "version")

    def __init__(
        self, version: int, image: RunImage, entries: int, entry_bytes: int, snapshot_bytes: int
    ) -> None:
        """Describe a session read at ``version``."""
        self.version = version
        self.image = image
        self.entries = entries
        self.entry_bytes = entry_bytes
        self.snapshot_bytes = snapshot_bytes


class GraphSession:
    """Where one graph keeps its runs: a store, a session id and how to write to them."""

    def __init__(
        self,
        store: SessionStore,
        session_id: str,
        *,
        node_ids: frozenset[str],
        durability: Durability,
        compact_entries: int,
        compact_bytes: int,
    ) -> None:
        """Keep the graph's runs in ``store`` under ``session_id``."""
        self.store = store
        self.session_id = session_id
        self.node_ids = node_ids
        self.durability: Durability = durability
        self.compact_entries = compact_entries
        self.compact_bytes = compact_bytes
        self._thread: ThreadPoolExecutor | None = None

    def open(self) -> None:
        """Start the thread of one invocation's store calls."""
        self._thread = store_thread()

    def close(self) -> None:
        """Join the invocation's store thread (it is idle by then)."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.shutdown(wait=True)

    def _on_thread(self) -> ThreadPoolExecutor:
        assert self._thread is not None  # noqa: S101 - open() runs first
        return self._thread

    async def read(self) -> Loaded | None:
        """Read and replay the session on the store's thread; ``None`` when there is none."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._on_thread(), self._read)

    def _read(self) -> Loaded | None:
        try:
            stored = self.store.load(self.session_id)
        except SessionNotFoundError:
            return None
        image, _ = replay_session(stored, self.node_ids)
        return Loaded(
            stored.version,
            image,
            len(stored.entries),
            sum(len(text) for text in stored.entries),
            len(stored.document),
        )

    def journal(self, loaded: Loaded, run: RunState, clock: Callable[[], datetime]) -> RunJournal:
        """The journal of a run taken over from the store, appending after ``loaded``."""
        writer = self._writer(loaded.version, loaded.image, loaded.entries, loaded.entry_bytes)
        writer.snapshot_bytes = loaded.snapshot_bytes
        return RunJournal(writer, run, clock, stored=len(loaded.image.transitions))

    async def start(
        self, loaded: Loaded | None, run: RunState, clock: Callable[[], datetime]
    ) -> RunJournal:
        """Save a new run's snapshot over the session (compare-and-set); journal after it."""
        session_id = self.session_id
        record = SessionRecord(session_id, run.snapshot(), tuple(run.transitions))
        document = dump_session(record)
        expected = None if loaded is None else loaded.version
        loop = asyncio.get_running_loop()
        version = await loop.run_in_executor(
            self._on_thread(),
            lambda: self.store.save(session_id, document, expected_version=expected),
        )
        writer = self._writer(version, RunImage(record), 0, 0)
        writer.snapshot_bytes = len(document)
        return RunJournal(writer, run, clock, stored=len(record.transitions))

    def _writer(self, version: int, image: RunImage, entries: int, size: int) -> SessionWriter:
        return SessionWriter(
            self.store,
            self.session_id,
            version=version,
            image=image,
            node_ids=self.node_ids,
            journal_entries=entries,
            journal_bytes=size,
            durability=self.durability,
            thread=self._on_thread(),
            compact_entries=self.compact_entries,
            compact_bytes=self.compact_bytes,
        )
