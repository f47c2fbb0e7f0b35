"""Drive a graph from the terminal: stream progress, ask for answers, resume, report."""

from __future__ import annotations

import asyncio
import sys
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Final

from agentcharts.cli._answers import Answers, Pending, prompt_answers
from agentcharts.cli._console import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_WAITING,
    CommandError,
)
from agentcharts.cli._progress import Progress, short_text
from agentcharts.runtime.events import GraphFinished
from agentcharts.schemas.status import Status

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from agentcharts.cli._console import Console
    from agentcharts.cli._store import StoreRef
    from agentcharts.runtime.graph import Graph, GraphResult

__all__ = ["ANSWER_FIRST", "Driver", "pending_of"]

ANSWER_FIRST: Final = object()
"""Start value of :meth:`Driver.run` for a graph that is interrupted already."""


def pending_of(result: GraphResult) -> list[Pending]:
    """Every pending interrupt of a result, with the top-level node that waits on it."""
    return [
        (node_id, interrupt)
        for node_id, node in result.results.items()
        if node.status is Status.INTERRUPTED
        for interrupt in node.interrupts
    ]


class Driver:
    """Runs a graph with a session until it completes, fails, or waits for a human."""

    def __init__(
        self,
        graph: Graph,
        console: Console,
        session_id: str,
        store: StoreRef,
        answers: Answers,
        *,
        interactive: bool,
        ask: Callable[[str], str] | None = None,
    ) -> None:
        """
        Prepare to drive ``graph``.

        Args:
            graph: The graph, built with its session.
            console: Where progress, prompts and results go.
            session_id: The session, for resume hints.
            store: The store, for resume hints.
            answers: The ``--respond`` answers.
            interactive: Whether to ask in the terminal for missing answers.
            ask: Shows a prompt and reads a line; by default ``input``, echoing the line
                when the input is not a terminal (so a log shows the answer).
        """
        self.graph = graph
        self.console = console
        self.session_id = session_id
        self.store = store
        self.answers = answers
        self.interactive = interactive
        self.ask = ask or self._ask
        self.progress = Progress(console)

    def run(self, first: Any) -> int:
        """
        Run, answer, resume, until the graph completes, fails, or waits for a human.

        Ctrl-C stops at once: the session keeps its last checkpoint and stays resumable.

        Args:
            first: The task; ``None`` to continue a run that stopped while executing; or
                :data:`ANSWER_FIRST` for a graph that is interrupted already.

        Returns:
            The exit code: ``EXIT_OK``, ``EXIT_FAILED``, ``EXIT_WAITING`` or
            ``EXIT_INTERRUPTED``.
        """
        try:
            return self._run(first)
        except KeyboardInterrupt:
            self.console.notice(
                f"agentcharts: interrupted; session {self.session_id} keeps its last "
                f"checkpoint. Resume it with: {self._resume_command()}"
            )
            return EXIT_INTERRUPTED

    def _run(self, first: Any) -> int:
        result = self.graph.result() if first is ANSWER_FIRST else self._invoke(first)
        previous: set[str] = set()
        while True:
            if result.status is Status.COMPLETED:
                self.report_completed(result)
                return EXIT_OK
            if result.status is not Status.INTERRUPTED:
                return self.report_failed(result)
            pending = pending_of(result)
            ids = {interrupt.id for _, interrupt in pending}
            if ids == previous:
                msg = "the graph asked the same questions again after they were answered"
                raise CommandError(msg)
            previous = ids
            self._show_pending(pending)
            found = self.answers.match(pending)
            missing = [p for p in pending if p[1].id not in found]
            if missing and self.interactive:
                typed = prompt_answers(missing, self.ask)
                if typed is None:
                    self.console.line("(no more input)")
                else:
                    found.update(typed)
            if not found:
                self._report_waiting(pending)
                return EXIT_WAITING
            responses = [
                {"interruptResponse": {"interruptId": i, "response": v}} for i, v in found.items()
            ]
            result = self._invoke(responses)

    def _ask(self, prompt: str) -> str:
        line = input(prompt)
        if not sys.stdin.isatty():
            self.console.line(line)
        return line

    def _invoke(self, value: Any) -> GraphResult:
        async def consume() -> GraphResult | None:
            final = None
            async with aclosing(self.graph.stream_async(value)) as events:
                async for event in events:
                    if isinstance(event, GraphFinished):
                        final = event.result
                    else:
                        self.progress.event(event)
            return final

        result = asyncio.run(consume())
        if result is None:  # pragma: no cover - stream_async always ends with GraphFinished
            raise CommandError("the graph stopped without a result")
        return result

    # ------------------------------------------------------------------ reports

    def _resume_command(self, pending: Sequence[Pending] = ()) -> str:
        names = dict.fromkeys(interrupt.name for _, interrupt in pending)
        responds = "".join(f" --respond {name}=VALUE" for name in names)
        return f"agentcharts resume {self.session_id}{self.store.option()}{responds}"

    def _show_pending(self, pending: Sequence[Pending]) -> None:
        count = len(pending)
        self.console.line(f"waiting for a human: {count} interrupt{'s' if count != 1 else ''}")
        for node_id, interrupt in pending:
            reason = "" if interrupt.reason is None else f": {short_text(interrupt.reason)}"
            self.console.line(f"  {node_id}: {interrupt.name}{reason}")
            self.console.line(f"    id {interrupt.id}")

    def _report_waiting(self, pending: Sequence[Pending]) -> None:
        self.console.line(
            f"stopped: session {self.session_id} is waiting for a human. Resume it with:"
        )
        self.console.line(f"  {self._resume_command(pending)}")

    def report_completed(self, result: GraphResult) -> None:
        """Print the end of a completed run: counts, time, and the final outputs."""
        seconds = result.execution_time_ms / 1000
        self.console.line(
            f"completed: {result.completed_nodes} of {result.total_nodes} nodes in {seconds:.2f}s"
        )
        sinks = self.graph.sink_ids(result)
        if sinks:
            self.console.line("result:")
        for node_id in sinks:
            text = result.results[node_id].text
            lines = text.splitlines() or [""]
            self.console.line(f"  [{node_id}] {lines[0]}")
            for line in lines[1:]:
                self.console.line(f"    {line}")
        unused = self.answers.unused()
        if unused:
            listed = ", ".join(repr(key) for key in unused)
            self.console.notice(f"agentcharts: note: --respond {listed} matched no interrupt")

    def report_failed(self, result: GraphResult) -> int:
        """Print why a run failed; return ``EXIT_FAILED``."""
        self.console.line(f"failed: {result.error or 'the graph failed'}")
        for node_id, node in result.results.items():
            if node.status is Status.FAILED:
                self.console.line(f"  [{node_id}] {short_text(node.error or 'failed')}")
        self.console.notice(f"agentcharts: the graph failed: {result.error or 'a node failed'}")
        return EXIT_FAILED
