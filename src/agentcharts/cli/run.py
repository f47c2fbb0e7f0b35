"""
``agentcharts run FILE`` and ``agentcharts resume SESSION``.

``run`` builds the graph of a graph file with a session in the store, prints progress as
nodes change state, and asks in the terminal for the response to each interrupt (unless
``--respond`` answers it, or ``--non-interactive`` stops instead). ``resume`` rebuilds the
graph of a stored session from the graph file recorded for it and carries on: it answers
pending interrupts, or continues a run that stopped while executing (Ctrl-C, a crash).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agentcharts.cli._answers import Answers
from agentcharts.cli._console import EXIT_OK, CommandError
from agentcharts.cli._drive import ANSWER_FIRST, Driver
from agentcharts.cli._store import RunInfo, StoreRef, new_session_id
from agentcharts.graphfile import load_graph_file
from agentcharts.runtime.sessions import validate_session_id
from agentcharts.schemas.status import Status

if TYPE_CHECKING:
    from agentcharts.cli._console import Console
    from agentcharts.runtime.graph import Graph

__all__ = ["positive_seconds", "resume_command", "run_command"]


def positive_seconds(text: str) -> float:
    """
    Parse ``--tool-timeout`` (an argparse ``type``): a positive number of seconds.

    Raises:
        argparse.ArgumentTypeError: Not a positive finite number.
    """
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value > 0 and value != float("inf")):
        msg = f"expected a positive number of seconds, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _driver(
    graph: Graph, console: Console, session_id: str, store: StoreRef, args: argparse.Namespace
) -> Driver:
    return Driver(
        graph,
        console,
        session_id,
        store,
        Answers(args.respond or ()),
        interactive=not args.non_interactive,
    )


def run_command(args: argparse.Namespace, console: Console) -> int:
    """
    Run a graph file in a new session.

    Args:
        args: ``file``, ``session``, ``store``, ``task``, ``tool_timeout``, ``respond``,
            ``non_interactive``.
        console: Where to write.

    Returns:
        The exit code (see :mod:`agentcharts.cli`).

    Raises:
        GraphFileError: The graph file is invalid.
        CommandError: The session exists already, or there is no task.
    """
    graph_file = load_graph_file(args.file)
    task = args.task if args.task is not None else graph_file.task
    if task is None:
        raise CommandError("no task: the graph file has no 'task' and no --task was given")
    store = StoreRef(args.store)
    try:
        session_id = validate_session_id(args.session or new_session_id(graph_file.graph_id))
        if store.exists and store.open().exists(session_id):
            msg = (
                f"session {session_id!r} exists already in {store.given}; continue it with "
                f"'agentcharts resume {session_id}{store.option()}' or pick another --session"
            )
            raise CommandError(msg)
        graph = graph_file.build(
            store=store.open(), session_id=session_id, tool_timeout=args.tool_timeout
        )
        created = datetime.now(UTC).isoformat(timespec="seconds")
        store.save_run(RunInfo(session_id, str(graph_file.path), task, args.tool_timeout, created))
        console.line(f"session {session_id} (store {store.given})")
        return _driver(graph, console, session_id, store, args).run(task)
    finally:
        store.close()


def resume_command(args: argparse.Namespace, console: Console) -> int:
    """
    Resume a stored session: answer its interrupts, or continue a run that stopped.

    Args:
        args: ``session``, ``store``, ``file``, ``tool_timeout``, ``respond``,
            ``non_interactive``.
        console: Where to write.

    Returns:
        The exit code (see :mod:`agentcharts.cli`).

    Raises:
        CommandError: No such session, or no graph file is known for it.
        GraphFileError: The graph file is invalid.
    """
    store = StoreRef(args.store)
    try:
        session_id = validate_session_id(args.session)
        _, record = store.load(session_id)
        info = store.load_run(session_id)
        file = args.file or (info.graph_file if info else None)
        if file is None:
            msg = f"no graph file is recorded for session {session_id!r}; pass --file FILE"
            raise CommandError(msg)
        graph_file = load_graph_file(file)
        timeout = args.tool_timeout
        if timeout is None and info is not None:
            timeout = info.tool_timeout
        graph = graph_file.build(store=store.open(), session_id=session_id, tool_timeout=timeout)
        if info is None or args.file:
            created = info.created_at if info else datetime.now(UTC).isoformat(timespec="seconds")
            task = record.graph.task or ""
            store.save_run(RunInfo(session_id, str(graph_file.path), task, timeout, created))
        graph.restore(record.graph)
        status = record.graph.status
        console.line(f"session {session_id} (store {store.given}): {status.value}")
        driver = _driver(graph, console, session_id, store, args)
        first: Any
        if status is Status.COMPLETED:
            console.line("nothing to resume: the session is completed")
            driver.report_completed(graph.result())
            return EXIT_OK
        if status is Status.FAILED:
            console.line("nothing to resume: the session failed")
            return driver.report_failed(graph.result())
        if status is Status.INTERRUPTED:
            first = ANSWER_FIRST
        elif status is Status.EXECUTING:
            first = None
        else:
            first = record.graph.task or (info.task if info else "")
        return driver.run(first)
    finally:
        store.close()
