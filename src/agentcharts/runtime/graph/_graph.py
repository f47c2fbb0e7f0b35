"""The Graph: runs ready nodes concurrently, stops for humans, persists and resumes."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

from agentcharts.exceptions import (
    ExecutionError,
    NotInterruptedError,
    ResumeInputError,
    UnknownInterruptError,
)
from agentcharts.machines._base import TransitionRecorder, utc_now
from agentcharts.runtime._sync import run_sync
from agentcharts.runtime.events import GraphFinished
from agentcharts.runtime.graph._edge import Edge
from agentcharts.runtime.graph._host import InterruptMode
from agentcharts.runtime.graph._journal import COMPACT_BYTES, COMPACT_ENTRIES, NO_JOURNAL
from agentcharts.runtime.graph._results import GraphResult, GraphState, NodeResult
from agentcharts.runtime.graph._run import TASK_INPUT, NodeRun, RunState
from agentcharts.runtime.graph._scheduler import Scheduler
from agentcharts.runtime.graph._session import GraphSession
from agentcharts.runtime.interrupts import (
    Interrupt,
    InterruptResponse,
    is_resume_input,
    parse_resume_input,
)
from agentcharts.schemas.status import InterruptStatus, Status

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Sequence
    from datetime import datetime

    from agentcharts.runtime.concurrency._registry import ConcurrencyLimiter
    from agentcharts.runtime.events import StreamEvent
    from agentcharts.runtime.graph._executors import NodeExecutor
    from agentcharts.runtime.graph._journal import Durability, NoJournal, RunJournal
    from agentcharts.runtime.graph._session import Loaded
    from agentcharts.runtime.hooks import HookRegistry
    from agentcharts.runtime.sessions import SessionStore
    from agentcharts.schemas.records import GraphSnapshot

__all__ = ["Edge", "Graph", "InterruptMode"]


class Graph:
    """
    A graph of nodes (agents, nested graphs, functions) run as explicit lifecycles.

    Build one with :class:`~agentcharts.GraphBuilder`. Call it with a task, or with interrupt
    responses to resume. With a session store, every state change that matters is saved
    before the graph moves on, and a fresh process that builds the same graph resumes it.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        *,
        executors: dict[str, NodeExecutor],
        edges: Sequence[Edge],
        entry_points: Sequence[str],
        hooks: HookRegistry,
        max_node_executions: int | None = None,
        execution_timeout: float | None = None,
        node_timeout: float | None = None,
        reset_on_revisit: bool = False,
        concurrency: ConcurrencyLimiter | None = None,
        store: SessionStore | None = None,
        session_id: str | None = None,
        interrupt_mode: InterruptMode = "barrier",
        graph_id: str = "graph",
        clock: Callable[[], datetime] = utc_now,
        durability: Durability = "sync",
        compact_entries: int = COMPACT_ENTRIES,
        compact_bytes: int = COMPACT_BYTES,
    ) -> None:
        """Build a graph; use ``GraphBuilder`` rather than calling this directly."""
        self.executors = executors
        self.edges = tuple(edges)
        self.entry_points = tuple(entry_points)
        self.hooks = hooks
        self.max_node_executions = max_node_executions
        self.execution_timeout = execution_timeout
        self.node_timeout = node_timeout
        self.reset_on_revisit = reset_on_revisit
        self.concurrency = concurrency
        self.store = store
        self.session_id = session_id
        self.interrupt_mode: InterruptMode = interrupt_mode
        self.graph_id = graph_id
        self.clock = clock
        self.durability: Durability = durability
        self.compact_entries = compact_entries
        self.compact_bytes = compact_bytes
        self.scope = ""
        """Prefix of the interrupt ids of this graph's nodes (set when nested)."""
        self.predecessors: dict[str, list[str]] = {n: [] for n in executors}
        self.successors: dict[str, list[Edge]] = {n: [] for n in executors}
        for edge in self.edges:
            self.predecessors[edge.target].append(edge.source)
            self.successors[edge.source].append(edge)
        self._run: RunState | None = None
        self._journal: RunJournal | NoJournal = NO_JOURNAL
        self._recovered: list[tuple[NodeRun, str]] = []
        self._session = (
            None
            if store is None or session_id is None
            else GraphSession(
                store,
                session_id,
                node_ids=frozenset(executors),
                durability=durability,
                compact_entries=compact_entries,
                compact_bytes=compact_bytes,
            )
        )
        self._busy = threading.Lock()

    # ------------------------------------------------------------------ public surface

    @property
    def status(self) -> Status:
        """The current run's status (``PENDING`` before the first run)."""
        return Status.PENDING if self._run is None else (self._run.status or Status.PENDING)

    @property
    def pending_interrupts(self) -> tuple[Interrupt, ...]:
        """Every interrupt waiting for a response, across every node."""
        run = self._run
        if run is None:
            return ()
        found: list[Interrupt] = []
        for node in run.nodes_in(Status.INTERRUPTED):
            found.extend(self._node_interrupts(node))
        return tuple(found)

    def __call__(self, task: Any) -> GraphResult:
        """Run :meth:`invoke_async` to completion, from sync code (with or without a loop)."""
        return run_sync(lambda: self.invoke_async(task))

    async def invoke_async(self, task: Any) -> GraphResult:
        """
        Run the graph on a task, or resume it with interrupt responses.

        Args:
            task: A task string; interrupt responses
                (``[{"interruptResponse": {"interruptId", "response"}}]``); or ``None`` to
                continue a stored run that stopped while executing (its process died).

        Returns:
            The result: ``COMPLETED``, ``INTERRUPTED`` (with every pending interrupt) or
            ``FAILED``.

        Raises:
            ResumeInputError: A task while interrupted, or malformed resume input.
            UnknownInterruptError: A response for an unknown or settled interrupt.
            NotInterruptedError: Responses while nothing is interrupted.
            SessionConflictError: Another process changed the stored session meanwhile.
            CorruptSessionError: The stored session cannot be read.
        """
        if not self._busy.acquire(blocking=False):
            raise ExecutionError("the graph is already running; invocations overlap")
        try:
            return await self._invoke(task, _discard)
        finally:
            self._busy.release()

    async def stream_async(self, task: Any) -> AsyncGenerator[StreamEvent, None]:
        """Run like :meth:`invoke_async`, yielding events; the last is ``GraphFinished``."""
        if not self._busy.acquire(blocking=False):
            raise ExecutionError("the graph is already running; invocations overlap")
        queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue()

        async def drive() -> None:
            try:
                result = await self._invoke(task, queue.put_nowait)
                queue.put_nowait(GraphFinished(result))
            finally:
                queue.put_nowait(None)

        driver = asyncio.create_task(drive())
        try:
            while (event := await queue.get()) is not None:
                yield event
            await driver
        finally:
            if not driver.done():
                driver.cancel()
                await asyncio.wait([driver])
            self._busy.release()

    def snapshot(self) -> GraphSnapshot | None:
        """The current run's complete state (``None`` before the first run)."""
        return None if self._run is None else self._run.snapshot()

    def restore(self, snapshot: GraphSnapshot) -> None:
        """
        Replace the current run with a saved one (nodes and their executors included).

        A node saved while executing (its process stopped mid-run) is made runnable again
        with the same input: completed nodes never run again.
        """
        recorder = self._recorder()
        nodes = {}
        for node_id, executor in self.executors.items():
            saved = snapshot.nodes.get(node_id)
            own = (saved.agent or saved.graph) if saved is not None else None
            if own is not None:
                executor.restore(own)
            else:
                executor.reset()
            nodes[node_id] = self._node_run(node_id, saved, recorder)
        run = self._run = RunState(
            snapshot.task, nodes, snapshot=snapshot, recorder=recorder, machine_id=self.graph_id
        )
        self._recovered = []
        for node in run.nodes_in(Status.EXECUTING):
            if node.answered:  # it was resuming: resume it again, with the same answers
                node.machine.fire("interrupt")
                self._recovered.append((node, "interrupt"))
            else:  # it was starting: start it again, with the same inputs
                node.machine.fire("recover")
                waiting = run.pending_inputs.get(node.node_id, [])
                run.pending_inputs[node.node_id] = [*node.inputs, *waiting]
                self._recovered.append((node, "recover"))
        if run.status is Status.EXECUTING:
            run.recovering = {
                n.node_id: n.resume_input for n in run.nodes_in(Status.INTERRUPTED) if n.answered
            }

    def reset(self) -> None:
        """Forget the current run; executors return to the state they were built with."""
        self._run = None
        for executor in self.executors.values():
            executor.reset()

    def sink_ids(self, result: GraphResult) -> list[str]:
        """The completed nodes with no outgoing edge, in execution order (or the last node)."""
        sinks = [n for n in result.execution_order if not self.successors[n]]
        ordered = list(dict.fromkeys(sinks))
        if not ordered and result.execution_order:
            ordered = [result.execution_order[-1]]
        return ordered

    # ------------------------------------------------------------------ one invocation

    async def _invoke(self, task: Any, emit: Callable[[StreamEvent], None]) -> GraphResult:
        session = self._session
        if session is None:
            return await self._invoke_on(task, emit)
        session.open()
        try:
            return await self._invoke_on(task, emit)
        finally:
            session.close()

    async def _invoke_on(self, task: Any, emit: Callable[[StreamEvent], None]) -> GraphResult:
        session = self._session
        loaded = None
        if session is not None:
            loaded = await session.read()
            if loaded is None:
                self._run = None
            else:
                self.restore(loaded.image.snapshot())
                recovered = self._current().transitions  # what restoring itself changed
                self._current().transitions = [*loaded.image.transitions, *recovered]
        run = self._run
        resume: dict[str, Any] = {}
        journal: RunJournal | NoJournal = NO_JOURNAL
        if is_resume_input(task) or (isinstance(task, list) and run is not None):
            if run is None or run.status is not Status.INTERRUPTED:
                raise NotInterruptedError("graph")
            resume = self._route(parse_resume_input(task, self._pending_ids()))
            run.machine.fire("resume")
            journal = self._journal_after(loaded)
            journal.run_event("resume", answers=resume)
            await journal.durable()  # the answers are stored, and a second resumer loses here
        elif run is not None and run.status is Status.INTERRUPTED:
            raise ResumeInputError(
                "the graph is interrupted; resume it with interrupt responses, "
                f"not a {type(task).__name__}",
                pending_ids=self._pending_ids(),
            )
        elif run is not None and run.status is Status.EXECUTING and task in (None, run.task):
            resume = dict(run.recovering)
            journal = self._journal_after(loaded)
            journal.claim("recover")
            for node, event in self._recovered:
                journal.node(node, event)
            await journal.durable()  # claimed: a second recoverer loses before anything runs
        else:
            if not isinstance(task, str):
                msg = f"a task must be a str or interrupt responses, got {type(task).__name__}"
                raise ResumeInputError(msg)
            run = self._new_run(task)
            run.machine.fire("start")
            run.updated_at = self.clock()
            if session is not None:
                journal = await session.start(loaded, run, self.clock)
        self._recovered = []
        self._journal = journal
        try:
            streaming = emit is not _discard
            await Scheduler(_Host(self), self._current(), emit, streaming=streaming).run(resume)
            await journal.durable()
        finally:
            self._journal = NO_JOURNAL
        return self.result()

    def _journal_after(self, loaded: Loaded | None) -> RunJournal | NoJournal:
        """The journal of the run just loaded (none without a store)."""
        if self._session is None or loaded is None:
            return NO_JOURNAL
        return self._session.journal(loaded, self._current(), self.clock)

    def _current(self) -> RunState:
        assert self._run is not None  # noqa: S101 - set by _invoke before scheduling
        return self._run

    def _new_run(self, task: str) -> RunState:
        for executor in self.executors.values():
            executor.reset()
        recorder = self._recorder()
        nodes = {n: self._node_run(n, None, recorder) for n in self.executors}
        run = RunState(task, nodes, snapshot=None, recorder=recorder, machine_id=self.graph_id)
        run.started_at = self.clock()
        for entry in self.entry_points:
            run.pending_inputs[entry] = [TASK_INPUT]
        self._run = run
        return run

    def _node_run(self, node_id: str, saved: Any, recorder: TransitionRecorder) -> NodeRun:
        return NodeRun(
            node_id,
            self.executors[node_id],
            snapshot=saved,
            recorder=recorder,
            needs_slot=self.concurrency is not None,
        )

    def _recorder(self) -> TransitionRecorder:
        def sink(record: Any) -> None:
            if self._run is not None:
                self._run.transitions.append(record)

        return TransitionRecorder(sink, clock=self.clock, keep=False)

    # ------------------------------------------------------------------ interrupts

    def node_scope(self, node: NodeRun) -> str:
        """The interrupt scope of a node's current execution: graph scope, node id, visit."""
        return f"{self.scope}{node.node_id}#{node.execution_count}"

    def _node_interrupts(self, node: NodeRun) -> list[Interrupt]:
        scope = self.node_scope(node)
        hook = [
            Interrupt.from_record(r)
            for r in self._current().ledger.pending
            if r.source == "before_node_call" and r.owner == scope
        ]
        inner = list(node.executor.pending_interrupts())
        return hook + inner

    def _pending_ids(self) -> list[str]:
        return [i.id for i in self.pending_interrupts]

    def _route(self, responses: list[InterruptResponse]) -> dict[str, Any]:
        """Check every response names a pending interrupt; return each node's resume input."""
        run = self._current()
        owners: dict[str, NodeRun] = {}
        for node in run.nodes_in(Status.INTERRUPTED):
            for interrupt in self._node_interrupts(node):
                owners[interrupt.id] = node
        for response in responses:
            if response.interrupt_id not in owners:
                raise UnknownInterruptError(response.interrupt_id, pending_ids=list(owners))
        hook_ids = {r.id for r in run.ledger.pending}
        run.ledger.answer([r for r in responses if r.interrupt_id in hook_ids])
        resume: dict[str, Any] = {}
        for response in responses:
            node = owners[response.interrupt_id]
            if response.interrupt_id in hook_ids:
                resume.setdefault(node.node_id, None)
            else:
                block = {
                    "interruptResponse": {
                        "interruptId": response.interrupt_id,
                        "response": response.response,
                    }
                }
                current = resume.get(node.node_id)
                resume[node.node_id] = [*(current or []), block]
        scope_pending = {r.owner for r in run.ledger.records if r.status is InterruptStatus.PENDING}
        ready = {
            node_id: node_input
            for node_id, node_input in resume.items()
            if self.node_scope(run.nodes[node_id]) not in scope_pending
        }
        for node_id, node_input in ready.items():
            node = run.nodes[node_id]
            node.answered = True
            node.resume_input = node_input
        return ready

    # ------------------------------------------------------------------ sessions

    # ------------------------------------------------------------------ results

    def state(self, node_id: str | None = None, inputs: dict[str, str] | None = None) -> GraphState:
        """The graph's progress, as conditions and function nodes see it."""
        run = self._current()

        def read() -> tuple[dict[str, NodeResult], dict[str, Status]]:
            results = {
                n.node_id: self._node_result(n)
                for n in run.nodes.values()
                if n.status in {Status.COMPLETED, Status.FAILED}
            }
            statuses = {n.node_id: n.status or Status.PENDING for n in run.nodes.values()}
            return results, statuses

        return GraphState(run.task, run.execution_order, read, node_id=node_id, inputs=inputs)

    def _node_result(self, node: NodeRun) -> NodeResult:
        output = node.output
        return NodeResult(
            node_id=node.node_id,
            status=node.status or Status.PENDING,
            text=output.text if output else "",
            value=output.value if output else None,
            error=node.error,
            execution_count=node.execution_count,
            execution_time_ms=node.execution_time_ms,
            usage=node.usage,
            interrupts=tuple(self._node_interrupts(node))
            if node.status is Status.INTERRUPTED
            else (),
        )

    def result(self) -> GraphResult:
        """The current run's result."""
        run = self._current()
        return GraphResult(
            status=run.status or Status.PENDING,
            results={n: self._node_result(node) for n, node in run.nodes.items()},
            execution_order=tuple(run.execution_order),
            interrupts=self.pending_interrupts,
            accumulated_usage=run.usage,
            execution_time_ms=run.execution_time_ms,
            error=run.error,
        )


def _discard(event: StreamEvent) -> None:
    """The stream of an invocation nobody streams: events are dropped as they happen."""
    del event


class _Host:
    """The graph as its scheduler sees it (a ``SchedulerHost``): settings and services."""

    __slots__ = ("graph",)

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    @property
    def settings(self) -> Graph:
        return self.graph

    @property
    def journal(self) -> RunJournal | NoJournal:
        return self.graph._journal  # noqa: SLF001 - the host is the graph's own adapter

    def node_interrupts(self, node: NodeRun) -> list[Interrupt]:
        return self.graph._node_interrupts(node)  # noqa: SLF001 - as above

    def node_result(self, node: NodeRun) -> NodeResult:
        return self.graph._node_result(node)  # noqa: SLF001 - as above

    def node_scope(self, node: NodeRun) -> str:
        return self.graph.node_scope(node)

    def state(self, node_id: str | None = None, inputs: dict[str, str] | None = None) -> GraphState:
        return self.graph.state(node_id, inputs)
