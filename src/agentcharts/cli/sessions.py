"""``agentcharts sessions list`` and ``agentcharts sessions show SESSION``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcharts.cli._console import EXIT_OK
from agentcharts.cli._store import StoreRef
from agentcharts.cli._summary import session_summary
from agentcharts.exceptions import AgentchartsError
from agentcharts.graphfile import load_graph_file
from agentcharts.runtime.graph import load_stored_session
from agentcharts.runtime.graph.diagram import pending_interrupts_by_node
from agentcharts.runtime.sessions import validate_session_id

if TYPE_CHECKING:
    import argparse

    from agentcharts.cli._console import Console

__all__ = ["list_command", "show_command"]


def list_command(args: argparse.Namespace, console: Console) -> int:
    """
    List the sessions of the store: id, status, version, save time and graph file.

    Args:
        args: ``store``.
        console: Where to write.

    Returns:
        ``EXIT_OK``.
    """
    store = StoreRef(args.store)
    try:
        if not store.exists:
            console.line(f"no sessions: the store {store.given} does not exist yet")
            return EXIT_OK
        opened = store.open()
        sessions = opened.list_sessions()
        if not sessions:
            console.line(f"no sessions in {store.given}")
            return EXIT_OK
        rows = [("SESSION", "STATUS", "VERSION", "SAVED", "GRAPH")]
        for entry in sessions:
            try:
                status = load_stored_session(opened.load(entry.session_id)).graph.status.value
            except AgentchartsError:
                status = "corrupt"
            info = store.load_run(entry.session_id)
            saved = entry.updated_at.strftime("%Y-%m-%d %H:%M:%S")
            graph = info.graph_file if info else "-"
            rows.append((entry.session_id, status, str(entry.version), saved, graph))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            console.line("  ".join([*cells, row[4]]))
        return EXIT_OK
    finally:
        store.close()


def show_command(args: argparse.Namespace, console: Console) -> int:
    """
    Show one session: status, nodes and their states, pending interrupts, the result.

    Args:
        args: ``session``, ``store``.
        console: Where to write.

    Returns:
        ``EXIT_OK``.

    Raises:
        CommandError: No such session.
    """
    store = StoreRef(args.store)
    try:
        session_id = validate_session_id(args.session)
        stored, record = store.load(session_id)
        info = store.load_run(session_id)
        sinks = None
        if info is not None:
            try:
                sinks = load_graph_file(info.graph_file).sink_ids()
            except AgentchartsError:
                sinks = None
        names = dict.fromkeys(
            r.name for records in pending_interrupts_by_node(record.graph).values() for r in records
        )
        responds = "".join(f" --respond {name}=VALUE" for name in names)
        hint = f"agentcharts resume {session_id}{store.option()}{responds}"
        console.out.write(session_summary(stored, record, info, sinks=sinks, resume_hint=hint))
        console.out.flush()
        return EXIT_OK
    finally:
        store.close()
