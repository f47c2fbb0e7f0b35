"""
Draw a graph's topology: Mermaid flowcharts, markdown and SVG, coloured by node state.

Give a :class:`~agentcharts.Graph` (or a :class:`GraphTopology`, which a graph file gives
without building anything) and, optionally, a
:class:`~agentcharts.schemas.records.GraphSnapshot`: each node is then coloured by its
status (pending, executing, interrupted, completed, failed) and labelled with its runs and
the interrupts it waits on. SVG goes through Graphviz's ``dot``.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from attrs import frozen

from agentcharts.exceptions import DiagramError
from agentcharts.machines.diagrams import svg_from_dot
from agentcharts.schemas.status import InterruptStatus, Status

if TYPE_CHECKING:
    from agentcharts.runtime.graph._graph import Graph
    from agentcharts.schemas.records import GraphSnapshot, InterruptRecord, NodeSnapshot

__all__ = [
    "STATUS_COLOURS",
    "GraphFormat",
    "GraphTopology",
    "TopologyEdge",
    "TopologyNode",
    "graph_dot",
    "graph_markdown",
    "graph_mermaid",
    "pending_interrupts_by_node",
    "render_graph",
]

GraphFormat = Literal["mermaid", "md", "dot", "svg"]
"""The formats a graph renders to."""

STATUS_COLOURS: Final[dict[Status, tuple[str, str]]] = {
    Status.PENDING: ("#eeeeee", "#757575"),
    Status.EXECUTING: ("#bbdefb", "#1565c0"),
    Status.INTERRUPTED: ("#ffe0b2", "#ef6c00"),
    Status.COMPLETED: ("#c8e6c9", "#2e7d32"),
    Status.FAILED: ("#ffcdd2", "#c62828"),
}
"""``(fill, stroke)`` colours of each node status."""


@frozen
class TopologyNode:
    """One node, as a diagram shows it."""

    node_id: str
    """The node's id."""
    kind: str
    """``agent``, ``graph`` or ``function``."""
    detail: str = ""
    """The agent's name, or the function's name or import path."""


@frozen
class TopologyEdge:
    """One edge, as a diagram shows it."""

    source: str
    """The source node."""
    target: str
    """The target node."""
    label: str = ""
    """The condition, in words (empty for an unconditional edge)."""


@frozen
class GraphTopology:
    """
    The shape of a graph: its nodes, edges and entry points.

    .. versionadded:: 0.1
    """

    name: str
    """The graph's id."""
    nodes: tuple[TopologyNode, ...]
    """The nodes, in declaration order."""
    edges: tuple[TopologyEdge, ...]
    """The edges, in declaration order."""
    entry_points: tuple[str, ...]
    """The nodes that start with the task."""

    @classmethod
    def of(cls, graph: Graph) -> GraphTopology:
        """Read the topology of a built graph."""
        nodes = []
        for node_id, executor in graph.executors.items():
            target = executor.target
            detail = getattr(target, "name", None) or getattr(target, "__name__", "")
            if not detail and hasattr(target, "func"):
                detail = getattr(target.func, "__name__", "")
            nodes.append(TopologyNode(node_id, executor.kind, str(detail)))
        edges = [TopologyEdge(e.source, e.target, _label(e.condition)) for e in graph.edges]
        return cls(graph.graph_id, tuple(nodes), tuple(edges), graph.entry_points)


def _label(condition: object) -> str:
    """Describe an edge condition: its ``description``, its name, or ``condition``."""
    if condition is None:
        return ""
    named = getattr(condition, "description", None) or getattr(condition, "__name__", None)
    return "condition" if not named or named == "<lambda>" else str(named)


def _records(node: NodeSnapshot) -> list[InterruptRecord]:
    found: list[InterruptRecord] = []
    if node.agent is not None:
        found.extend(node.agent.interrupts)
    if node.graph is not None:
        found.extend(node.graph.interrupts)
        for inner in node.graph.nodes.values():
            found.extend(_records(inner))
    return found


def pending_interrupts_by_node(snapshot: GraphSnapshot) -> dict[str, list[InterruptRecord]]:
    """
    Find every pending interrupt of a saved run, under the top-level node that waits on it.

    Args:
        snapshot: The run's saved state.

    Returns:
        For each node with pending interrupts, in node order: its pending records (those
        of its agent, of its nested graph, and of before-node-call hooks on it).
    """
    found: dict[str, list[InterruptRecord]] = {}
    for node_id, node in snapshot.nodes.items():
        pending = [r for r in _records(node) if r.status is InterruptStatus.PENDING]
        pending.extend(
            r
            for r in snapshot.interrupts
            if r.status is InterruptStatus.PENDING and r.owner.split("#", 1)[0] == node_id
        )
        if pending:
            found[node_id] = pending
    return found


def _topology(graph: Graph | GraphTopology) -> GraphTopology:
    return graph if isinstance(graph, GraphTopology) else GraphTopology.of(graph)


def _status(snapshot: GraphSnapshot | None, node_id: str) -> NodeSnapshot | None:
    return None if snapshot is None else snapshot.nodes.get(node_id)


def _lines(node: TopologyNode, saved: NodeSnapshot | None, waiting: list[str]) -> list[str]:
    lines = [node.node_id, f"{node.kind} {node.detail}".strip()]
    if saved is not None:
        runs = saved.execution_count
        lines.append(saved.status.value + (f" ({runs} runs)" if runs > 1 else ""))
        if waiting:
            lines.append("waiting: " + ", ".join(waiting))
    return lines


def _waiting(snapshot: GraphSnapshot | None) -> dict[str, list[str]]:
    if snapshot is None:
        return {}
    return {n: [r.name for r in rs] for n, rs in pending_interrupts_by_node(snapshot).items()}


def _mermaid_text(text: str) -> str:
    for raw, entity in (('"', "#quot;"), ("|", "#124;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, entity)
    return text


def _cell(text: object) -> str:
    """Escape a markdown table cell (pipes, and angle brackets that would be HTML)."""
    return str(text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def graph_mermaid(graph: Graph | GraphTopology, snapshot: GraphSnapshot | None = None) -> str:
    """
    Render a graph as a Mermaid flowchart, nodes coloured by status when a snapshot is given.

    Args:
        graph: A built graph, or a topology.
        snapshot: A saved run of that graph (its nodes' states colour the diagram).

    Returns:
        The flowchart source (``flowchart LR`` ...), ending with a newline.
    """
    topology = _topology(graph)
    ids = {node.node_id: f"n{index}" for index, node in enumerate(topology.nodes)}
    waiting = _waiting(snapshot)
    lines = ["flowchart LR", '    start(("start"))']
    used: list[Status] = []
    for node in topology.nodes:
        saved = _status(snapshot, node.node_id)
        label = "<br/>".join(
            _mermaid_text(t) for t in _lines(node, saved, waiting.get(node.node_id, []))
        )
        lines.append(f'    {ids[node.node_id]}["{label}"]')
        if saved is not None and saved.status not in used:
            used.append(saved.status)
    lines.extend(f"    start --> {ids[entry]}" for entry in topology.entry_points if entry in ids)
    for edge in topology.edges:
        arrow = f'-->|"{_mermaid_text(edge.label)}"|' if edge.label else "-->"
        lines.append(f"    {ids[edge.source]} {arrow} {ids[edge.target]}")
    for status in Status:
        if status in used:
            fill, stroke = STATUS_COLOURS[status]
            lines.append(f"    classDef {status.value} fill:{fill},stroke:{stroke},color:#212121")
    for node in topology.nodes:
        saved = _status(snapshot, node.node_id)
        if saved is not None:
            lines.append(f"    class {ids[node.node_id]} {saved.status.value}")
    return "\n".join(lines) + "\n"


def graph_markdown(graph: Graph | GraphTopology, snapshot: GraphSnapshot | None = None) -> str:
    """
    Render a graph as markdown: a heading, the Mermaid flowchart, and a table of nodes.

    Args:
        graph: A built graph, or a topology.
        snapshot: A saved run of that graph (adds each node's state, runs and interrupts).

    Returns:
        The markdown text.
    """
    topology = _topology(graph)
    waiting = _waiting(snapshot)
    title = f"# Graph `{topology.name}`"
    if snapshot is not None:
        title += f": {snapshot.status.value}"
    parts = [title, "", "```mermaid", graph_mermaid(topology, snapshot).rstrip(), "```", ""]
    if snapshot is None:
        parts += ["| Node | Kind | Next |", "|---|---|---|"]
        for node in topology.nodes:
            targets = [e.target for e in topology.edges if e.source == node.node_id]
            kind = f"{node.kind} {node.detail}".strip()
            cells = [node.node_id, kind, ", ".join(targets) or "-"]
            parts.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    else:
        parts += ["| Node | Kind | Status | Runs | Waiting for |", "|---|---|---|---|---|"]
        for node in topology.nodes:
            saved = _status(snapshot, node.node_id)
            status = saved.status.value if saved else "pending"
            runs = saved.execution_count if saved else 0
            names = ", ".join(waiting.get(node.node_id, [])) or "-"
            kind = f"{node.kind} {node.detail}".strip()
            cells = [node.node_id, kind, status, str(runs), names]
            parts.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(parts) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def graph_dot(graph: Graph | GraphTopology, snapshot: GraphSnapshot | None = None) -> str:
    """
    Render a graph as Graphviz DOT, nodes coloured by status when a snapshot is given.

    Args:
        graph: A built graph, or a topology.
        snapshot: A saved run of that graph.

    Returns:
        The DOT source, deterministic from run to run.
    """
    topology = _topology(graph)
    waiting = _waiting(snapshot)
    lines = [
        f'digraph "{_dot_text(topology.name)}" {{',
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
        '  "__start" [shape=circle, label="", width=0.2, fillcolor=black];',
    ]
    for node in topology.nodes:
        saved = _status(snapshot, node.node_id)
        label = "\\n".join(_dot_text(t) for t in _lines(node, saved, waiting.get(node.node_id, [])))
        colour = ""
        if saved is not None:
            fill, stroke = STATUS_COLOURS[saved.status]
            colour = f', fillcolor="{fill}", color="{stroke}"'
        lines.append(f'  "{_dot_text(node.node_id)}" [label="{label}"{colour}];')
    lines.extend(f'  "__start" -> "{_dot_text(e)}";' for e in topology.entry_points)
    for edge in topology.edges:
        label = f' [label="{_dot_text(edge.label)}"]' if edge.label else ""
        lines.append(f'  "{_dot_text(edge.source)}" -> "{_dot_text(edge.target)}"{label};')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_graph(
    graph: Graph | GraphTopology,
    fmt: GraphFormat = "mermaid",
    snapshot: GraphSnapshot | None = None,
) -> str:
    """
    Render a graph in one of the formats.

    Args:
        graph: A built graph, or a topology.
        fmt: ``"mermaid"``, ``"md"`` (markdown with the Mermaid flowchart and a node
            table), ``"dot"``, or ``"svg"`` (needs Graphviz's ``dot``).
        snapshot: A saved run of that graph, to colour nodes by status.

    Returns:
        The diagram.

    Raises:
        DiagramError: An unknown format, or SVG without Graphviz.
    """
    if fmt == "mermaid":
        return graph_mermaid(graph, snapshot)
    if fmt == "md":
        return graph_markdown(graph, snapshot)
    if fmt == "dot":
        return graph_dot(graph, snapshot)
    if fmt == "svg":
        return svg_from_dot(graph_dot(graph, snapshot))
    raise DiagramError(str(fmt), "unknown format (known: mermaid, md, dot, svg)")
