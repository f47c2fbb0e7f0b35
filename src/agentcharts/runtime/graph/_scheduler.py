"""The scheduler of one graph invocation: which nodes are ready, and running them.

The readiness rule, used for a first run, a resume and a recovery alike:

- When a node completes, each outgoing edge's condition is evaluated on the graph state at
  that moment; an edge whose condition holds (or that has none) *fires*, and its target
  records the source as a pending input. An entry point starts with the task as its input.
- A node with at least one pending input is *ready* when none of its other predecessors can
  still fire: a predecessor can still fire if it is executing, interrupted, ready, or
  reachable from such a node without passing through the node itself. So a fan-in waits for
  every branch that may still reach it, and runs once with all of their outputs; a branch
  cut off by a false condition is simply never waited for.
- Running a node consumes its pending inputs. A completed node that receives an input again
  (a cycle) runs again, up to ``max_node_executions`` executions in total.
- If nothing is executing or waiting for a human and no node is ready by that rule (nodes
  waiting on each other across a cycle), every node with pending inputs runs.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from agentcharts.exceptions import ExecutionTimeoutError, NodeTimeoutError
from agentcharts.runtime.events import (
    NodeCompleted,
    NodeFailed,
    NodeInterrupted,
    NodeStarted,
    NodeStreamEvent,
)
from agentcharts.runtime.graph._hooks import AfterNodeCallEvent, BeforeNodeCallEvent
from agentcharts.runtime.graph._run import TASK_INPUT, NodeRun, RunState
from agentcharts.runtime.interrupts import InterruptSignal, interrupt_id
from agentcharts.schemas.status import Status

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from agentcharts.runtime.events import StreamEvent
    from agentcharts.runtime.graph._executors import ExecutorOutcome
    from agentcharts.runtime.graph._host import SchedulerHost

__all__ = ["Scheduler"]


class _NodeCancelled(Exception):  # noqa: N818 - internal control flow
    """A before-node-call hook cancelled the node."""


def _describe(error: BaseException) -> str:
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


class Scheduler:
    """Runs the ready nodes of one invocation until nothing else can run."""

    def __init__(
        self,
        host: SchedulerHost,
        run: RunState,
        emit: Callable[[StreamEvent], None],
        *,
        streaming: bool = True,
    ) -> None:
        """Prepare to schedule ``run`` of the graph ``host`` stands for, reporting to ``emit``."""
        self.host = host
        self.journal = host.journal
        self.graph = host.settings
        self.run_state = run
        self.emit = emit
        self.streaming = streaming
        """Whether anybody reads the events; when not, they are not even made."""
        self.running: set[str] = set()
        self.cancelled: list[NodeRun] = []
        """Nodes cancelled mid-execution. A run that settles (its execution timeout) records
        them as failed; an invocation cancelled from outside (Ctrl-C) leaves them executing
        in the store, so that the run recovers them."""
        self.finished: list[str] = []
        """Nodes whose task has ended since the loop last looked."""
        self._wake: asyncio.Future[None] | None = None
        self._fired: dict[str, set[str]] = {}
        """Node id → the sources in its pending inputs, kept beside ``pending_inputs``."""
        self._cursors: dict[str, tuple[int, list[str]]] = {}
        """Node id → how far :meth:`_blocked` has walked its predecessors this round, and
        the unfired predecessors it found inactive on the way."""

    # ------------------------------------------------------------------ the loop

    async def run(self, resume: dict[str, Any]) -> None:
        """Resume the given nodes, then run ready nodes until none is left; settle the graph."""
        run = self.run_state
        remaining = None
        if self.graph.execution_timeout is not None:
            remaining = max(0.0, self.graph.execution_timeout - run.execution_time_ms / 1000)
        started = time.monotonic()
        try:
            if remaining is None:
                async with asyncio.TaskGroup() as group:
                    await self._loop(group, resume)
            else:
                async with asyncio.timeout(remaining), asyncio.TaskGroup() as group:
                    await self._loop(group, resume)
        except TimeoutError:
            timeout = self.graph.execution_timeout or 0.0
            run.error = _describe(ExecutionTimeoutError(timeout))
        except BaseExceptionGroup:
            failure = self.journal.failure
            if failure is not None:  # the store refused a write: that is what the caller sees
                raise failure from None
            raise
        finally:
            run.execution_time_ms += (time.monotonic() - started) * 1000
        self._settle()

    async def _loop(self, group: asyncio.TaskGroup, resume: dict[str, Any]) -> None:
        nodes = self.run_state.nodes
        for node_id, node_input in resume.items():
            self._launch(group, nodes[node_id], node_input, resumed=True)
        while True:
            for node in self._ready():
                if not self._launch_new(group, node):
                    break
            if not self.running:
                return
            await self._next_finished()

    async def _next_finished(self) -> None:
        """Wait until a node's task ends; forget every node that has ended since last time."""
        if not self.finished:
            self._wake = asyncio.get_running_loop().create_future()
            try:
                await self._wake
            finally:
                self._wake = None
        for node_id in self.finished:  # nodes that finished together: one look for them all
            self.running.discard(node_id)
        self.finished.clear()

    def _settle(self) -> None:
        run = self.run_state
        if run.error is not None or run.ids_in(Status.FAILED):
            if run.error is None:
                failed = ", ".join(repr(n.node_id) for n in run.nodes_in(Status.FAILED))
                run.error = f"node(s) failed: {failed}"
            event = "fail"
        elif run.ids_in(Status.INTERRUPTED):
            event = "interrupt"
        else:
            event = "complete"
        for node in self.cancelled:
            self.journal.node(node, "cancel")
        run.machine.fire(event)
        self.journal.run_event(event)

    def _halted(self) -> bool:
        run = self.run_state
        if run.error is not None or run.ids_in(Status.FAILED):
            return True
        if self.graph.interrupt_mode == "barrier":
            return any(node_id not in self.running for node_id in run.ids_in(Status.INTERRUPTED))
        return False

    def _ready(self) -> list[NodeRun]:
        if self._halted():
            return []
        run = self.run_state
        candidates = [
            node_id
            for node_id, inputs in run.pending_inputs.items()
            if inputs
            and node_id not in self.running
            and run.nodes[node_id].status not in {Status.EXECUTING, Status.INTERRUPTED}
            and run.nodes[node_id].status is not Status.FAILED
        ]
        if not candidates:
            return []
        interrupted = run.ids_in(Status.INTERRUPTED)
        waiting_on = set(candidates)
        ready = [c for c in candidates if not self._blocked(c, waiting_on, interrupted)]
        if not ready and not self.running and not interrupted:
            ready = candidates
        return [run.nodes[node_id] for node_id in ready]

    def _blocked(self, node_id: str, candidates: set[str], interrupted: Mapping[str, Any]) -> bool:
        """Whether a predecessor whose edge has not fired may still fire.

        A predecessor may still fire if it is active (running, interrupted or a candidate)
        or reachable from an active node without passing through ``node_id``. The check is
        incremental: a cursor walks the node's predecessors once per round of inputs,
        stopping at the first active one that has not fired (it blocks the node until it
        fires) and setting aside the inactive ones, which only the rare reachability search
        looks at again. So a fan-in of N branches costs O(N) over the whole run, not per
        completed branch.
        """
        fired = self._fired.get(node_id)
        if fired is None:
            fired = self._fired[node_id] = set(self.run_state.pending_inputs.get(node_id, ()))
        predecessors = self.graph.predecessors[node_id]
        cursor, dormant = self._cursors.get(node_id, (0, []))
        running = self.running
        while cursor < len(predecessors):
            source = predecessors[cursor]
            if source not in fired:
                if source in running or source in interrupted or source in candidates:
                    self._cursors[node_id] = (cursor, dormant)
                    return True
                dormant.append(source)
            cursor += 1
        waiting = [source for source in dormant if source not in fired]
        self._cursors[node_id] = (cursor, waiting)
        if not waiting:
            return False
        if any(p in running or p in interrupted or p in candidates for p in waiting):
            return True
        return self._reachable(waiting, running | candidates | interrupted.keys(), node_id)

    def _reachable(self, targets: list[str], active: set[str], avoid: str) -> bool:
        """Whether a target is active or reachable from an active node, never via ``avoid``."""
        frontier = [n for n in active if n != avoid]
        seen = {avoid, *frontier}
        while frontier:
            current = frontier.pop()
            if current in targets:
                return True
            for edge in self.graph.successors[current]:
                if edge.target not in seen:
                    seen.add(edge.target)
                    frontier.append(edge.target)
        return False

    def _launch_new(self, group: asyncio.TaskGroup, node: NodeRun) -> bool:
        run = self.run_state
        limit = self.graph.max_node_executions
        if limit is not None and run.executions >= limit:
            run.error = f"ExecutionError: reached max_node_executions={limit}"
            return False
        run.executions += 1
        if node.status is Status.COMPLETED:
            node.machine.fire("revisit")
            if self.graph.reset_on_revisit:
                node.executor.reset()
            self.journal.node(node, "revisit")
        self._launch(group, node, None, resumed=False)
        return True

    def _launch(
        self, group: asyncio.TaskGroup, node: NodeRun, node_input: Any, *, resumed: bool
    ) -> None:
        self.running.add(node.node_id)
        group.create_task(self._execute(node, node_input, resumed=resumed))

    # ------------------------------------------------------------------ one node

    def _input_text(self, node: NodeRun) -> str:
        run = self.run_state
        sources = [s for s in node.inputs if s != TASK_INPUT]
        if not sources:
            return run.task
        parts = [f"Original task: {run.task}", "", "Inputs from previous nodes:"]
        for source in sources:
            output = run.nodes[source].output
            parts.extend(["", f"From {source}:", output.text if output else ""])
        return "\n".join(parts)

    async def _execute(self, node: NodeRun, node_input: Any, *, resumed: bool) -> None:
        try:
            if node.needs_slot and not await self._take_slot(node, resumed=resumed):
                return
            before = self.journal.mark()
            self._begin(node, resumed=resumed)
            await self.journal.settle(before)  # what led here is durable before the node acts
            started = time.monotonic()
            outcome: ExecutorOutcome | None = None
            try:
                outcome = await self._call(node, node_input)
            except InterruptSignal:
                node.machine.fire("interrupt")
            except _NodeCancelled as cancelled:
                node.error = f"Cancelled: {cancelled}"
                node.machine.fire("cancel")
            except Exception as error:  # noqa: BLE001 - a node's failure is its result
                node.error = _describe(error)
                node.machine.fire("fail")
            finally:
                node.execution_time_ms += (time.monotonic() - started) * 1000
            fired = self._record(node, outcome) if outcome is not None else ()
            await self._finish(node, fired)
        except asyncio.CancelledError:
            if node.status is Status.EXECUTING:
                node.error = "Cancelled: the graph stopped before the node finished"
                node.machine.fire("cancel")
                self._stopped(node)
                self.cancelled.append(node)  # journaled if the run settles (a timeout)
            raise
        finally:
            node.release_slot()
            self.finished.append(node.node_id)
            wake = self._wake
            if wake is not None and not wake.done():
                wake.set_result(None)

    def _begin(self, node: NodeRun, *, resumed: bool) -> None:
        """Move the node to executing: a resume continues, a start counts a new execution."""
        node.start_state = node.executor.snapshot() if node.execution_count else None
        if resumed:
            node.machine.fire("resume")
            self.journal.node(node, "resume")
        else:
            run = self.run_state
            inputs = tuple(run.pending_inputs.pop(node.node_id, ()))
            self._fired.pop(node.node_id, None)
            self._cursors.pop(node.node_id, None)
            node.inputs = inputs
            node.machine.fire("start")
            node.execution_count += 1
            node.output = None
            node.error = None
            self.journal.node(node, "start", consumed=inputs)
        if node.executor.scoped:
            node.executor.set_scope(self.host.node_scope(node))
        if self.streaming:
            self.emit(NodeStarted(node.node_id, resumed=resumed))

    async def _take_slot(self, node: NodeRun, *, resumed: bool) -> bool:
        """Acquire the node's concurrency slot; a limit that fails fails the node."""
        graph = self.graph
        if not node.needs_slot or graph.concurrency is None:
            return True
        assert node.executor.slot_key is not None  # noqa: S101 - needs_slot says so
        try:
            node.permit = await graph.concurrency.acquire(node.executor.slot_key)
        except Exception as error:  # noqa: BLE001 - a limit that fails fails the node
            node.error = f"no concurrency slot: {_describe(error)}"
            event = "fail" if resumed else "cancel"
            node.machine.fire(event)
            self._stopped(node)
            self.journal.node(node, event)
            self.emit(NodeFailed(node.node_id, node.error))
            return False
        return True

    async def _call(self, node: NodeRun, node_input: Any) -> ExecutorOutcome:
        timeout = self.graph.node_timeout
        if timeout is None:
            return await self._call_untimed(node, node_input)
        try:
            async with asyncio.timeout(timeout) as scope:
                return await self._call_untimed(node, node_input)
        except TimeoutError:
            if scope.expired() and timeout is not None:
                raise NodeTimeoutError(node.node_id, timeout) from None
            raise

    async def _call_untimed(self, node: NodeRun, node_input: Any) -> ExecutorOutcome:
        if self.graph.hooks.has(BeforeNodeCallEvent):
            await self._before_node(node)
        if node_input is None and node.executor.takes_text:
            node_input = self._input_text(node)
        inputs = {s: self._text_of(s) for s in node.inputs if s != TASK_INPUT}
        state = self.host.state(node.node_id, inputs)
        node_id = node.node_id
        emit = self.emit
        return await node.executor.run(
            node_input, state, lambda event: emit(NodeStreamEvent(node_id, event))
        )

    def _text_of(self, node_id: str) -> str:
        output = self.run_state.nodes[node_id].output
        return output.text if output is not None else ""

    async def _before_node(self, node: NodeRun) -> None:
        graph = self.graph
        run = self.run_state
        scope = self.host.node_scope(node)

        def ask(name: str, reason: Any = None) -> Any:
            return run.ledger.raise_or_answer(
                interrupt_id=interrupt_id("before_node_call", scope, node.node_id, name),
                name=name,
                reason=reason,
                source="before_node_call",
                owner=scope,
                tool_use_id=None,
            )

        event = BeforeNodeCallEvent(graph, node.node_id, self.host.state(), _interrupt=ask)
        await graph.hooks.dispatch(event)
        if event.cancel_node:
            for record in run.ledger.records:
                if record.owner == scope:
                    run.ledger.reject(record.id)
            message = event.cancel_node if isinstance(event.cancel_node, str) else ""
            raise _NodeCancelled(message or "node cancelled by a hook")

    def _record(self, node: NodeRun, outcome: ExecutorOutcome) -> tuple[str, ...]:
        """Record a node's outcome; return the targets of the edges that fired."""
        run = self.run_state
        usage = outcome.usage
        if usage.input_tokens or usage.output_tokens:
            node.usage += usage
            run.usage += usage
        if outcome.interrupted:
            node.machine.fire("interrupt")
            return ()
        node.output = outcome.output
        node.machine.fire("complete")
        run.execution_order.append(node.node_id)
        edges = self.graph.successors[node.node_id]
        state = self.host.state() if any(e.condition for e in edges) else None
        fired: list[str] = []
        for edge in edges:
            try:
                fires = edge.condition is None or bool(edge.condition(state))  # type: ignore[arg-type]
            except Exception as error:  # noqa: BLE001 - a broken condition fails the graph
                run.error = (
                    f"the condition of edge {edge.source!r} -> {edge.target!r} raised "
                    f"{_describe(error)}"
                )
                break
            if fires:
                fired.append(edge.target)
                run.pending_inputs.setdefault(edge.target, []).append(node.node_id)
                seen = self._fired.get(edge.target)
                if seen is not None:
                    seen.add(node.node_id)
        return tuple(fired)

    def _emit_outcome(self, node: NodeRun) -> None:
        if node.status is Status.COMPLETED:
            self.emit(NodeCompleted(node.node_id, node.output.text if node.output else ""))
        elif node.status is Status.INTERRUPTED:
            interrupts = tuple(self.host.node_interrupts(node))
            self.emit(NodeInterrupted(node.node_id, interrupts))
        else:
            self.emit(NodeFailed(node.node_id, node.error or "failed"))

    @staticmethod
    def _stopped(node: NodeRun) -> None:
        """Forget the answers a node resumed with, once its execution is over."""
        node.answered = False
        node.resume_input = None

    async def _finish(self, node: NodeRun, fired: tuple[str, ...]) -> None:
        """Release the slot, journal, report the outcome and run the after-node hooks."""
        node.release_slot()
        self._stopped(node)
        status = node.status
        event = (
            "complete"
            if status is Status.COMPLETED
            else "interrupt"
            if status is Status.INTERRUPTED
            else "cancel"
            if node.error is not None and node.error.startswith("Cancelled")
            else "fail"
        )
        self.journal.node(node, event, fired=fired)
        if self.streaming:
            self._emit_outcome(node)
        graph = self.graph
        if not graph.hooks.has(AfterNodeCallEvent):
            return
        try:
            result = self.host.node_result(node)
            await graph.hooks.dispatch(AfterNodeCallEvent(graph, node.node_id, result))
        except Exception as error:  # noqa: BLE001 - a hook's failure fails the graph
            self.run_state.error = f"after-node hook for {node.node_id!r} raised {_describe(error)}"
