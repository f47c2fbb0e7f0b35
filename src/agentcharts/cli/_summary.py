"""The text of ``agentcharts sessions show``: status, nodes, pending interrupts, result."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcharts.cli._progress import short_text
from agentcharts.runtime.graph.diagram import pending_interrupts_by_node
from agentcharts.schemas.status import Status

if TYPE_CHECKING:
    from collections.abc import Sequence

    from agentcharts.cli._store import RunInfo
    from agentcharts.runtime.sessions import StoredSession
    from agentcharts.schemas.records import GraphSnapshot, SessionRecord

__all__ = ["result_nodes", "session_summary"]


def result_nodes(snapshot: GraphSnapshot, sinks: Sequence[str] | None) -> list[str]:
    """
    The nodes whose outputs are the run's result.

    Args:
        snapshot: The saved run.
        sinks: The graph's nodes without outgoing edges, when the graph file is at hand.

    Returns:
        The completed sinks in execution order; without ``sinks``, the last completed node.
    """
    done = list(dict.fromkeys(snapshot.execution_order))
    if sinks is not None:
        chosen = [n for n in done if n in sinks]
        if chosen:
            return chosen
    return done[-1:]


def session_summary(
    stored: StoredSession,
    record: SessionRecord,
    info: RunInfo | None,
    *,
    sinks: Sequence[str] | None,
    resume_hint: str,
) -> str:
    """
    Describe a stored session for a human.

    Args:
        stored: The session as the store holds it (for its version and save time).
        record: Its decoded record.
        info: Its run record, if ``agentcharts run`` started it.
        sinks: The graph's nodes without outgoing edges, if the graph file could be read.
        resume_hint: The ``agentcharts resume ...`` command, shown while it waits.

    Returns:
        The summary, ending with a newline.
    """
    graph = record.graph
    saved = stored.updated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        f"session   {record.session_id}",
        f"status    {graph.status.value}",
        f"graph     {info.graph_file if info else '(unknown: not started by agentcharts run)'}",
        f"task      {short_text(graph.task or '')}",
        f"saved     version {stored.version}, {saved}",
    ]
    if graph.error:
        lines.append(f"error     {short_text(graph.error)}")
    width = max((len(n) for n in graph.nodes), default=4)
    lines.append("nodes")
    for node_id, node in graph.nodes.items():
        runs = node.execution_count
        line = (
            f"  {node_id:<{width}}  {node.status.value:<11}  {runs} run{'s' if runs != 1 else ''}"
        )
        if node.error:
            line += f"  {short_text(node.error, 70)}"
        lines.append(line.rstrip())
    pending = pending_interrupts_by_node(graph)
    count = sum(len(records) for records in pending.values())
    lines.append(f"pending interrupts: {count}")
    for node_id, records in pending.items():
        for interrupt in records:
            reason = "" if interrupt.reason is None else f": {short_text(interrupt.reason, 70)}"
            lines.append(f"  {node_id}: {interrupt.name}{reason}")
            lines.append(f"    id {interrupt.id}")
    if count:
        lines.append(f"resume with: {resume_hint}")
    if graph.status is Status.COMPLETED:
        lines.append("result")
        for node_id in result_nodes(graph, sinks):
            output = graph.nodes[node_id].output
            text = output.text if output else ""
            lines.append(f"  [{node_id}] {short_text(text)}")
    return "\n".join(lines) + "\n"
