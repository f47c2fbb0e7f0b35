"""Render the lifecycles as Mermaid state diagrams, markdown transition tables and SVG."""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING, Literal

from agentcharts.exceptions import DiagramError
from agentcharts.machines.graph import GraphLifecycle
from agentcharts.machines.interrupt import InterruptLifecycle
from agentcharts.machines.node import NodeLifecycle
from agentcharts.machines.tool_call import ToolCallLifecycle

if TYPE_CHECKING:
    from collections.abc import Iterator

    from agentcharts.machines._base import Lifecycle

__all__ = [
    "LIFECYCLES",
    "DiagramFormat",
    "graphviz_available",
    "lifecycle_dot",
    "lifecycles_markdown",
    "render_lifecycle",
    "svg_from_dot",
    "transitions",
]

DiagramFormat = Literal["mermaid", "md", "svg", "dot"]
"""The formats a lifecycle renders to."""

LIFECYCLES: dict[str, type[Lifecycle]] = {
    "graph": GraphLifecycle,
    "node": NodeLifecycle,
    "tool_call": ToolCallLifecycle,
    "interrupt": InterruptLifecycle,
}
"""Every lifecycle, by its kind."""


def transitions(machine: type[Lifecycle]) -> Iterator[tuple[str, str, str, str]]:
    """
    Yield the declared transitions of a lifecycle class.

    Args:
        machine: A lifecycle class.

    Yields:
        ``(source, event, guard, target)`` state and event ids; ``guard`` is ``""`` when
        the transition has none.
    """
    for state in machine.states:
        for transition in state.transitions:
            guard = " and ".join(str(c) for c in transition.cond)
            for event in transition.events:
                yield state.id, str(event), guard, transition.target.id


def lifecycle_dot(machine: type[Lifecycle]) -> str:
    """
    Return a Graphviz DOT description of a lifecycle, deterministic from run to run.

    Args:
        machine: A lifecycle class.
    """
    lines = [
        f'digraph "{machine.__name__}" {{',
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
        '  "__start" [shape=circle, label="", width=0.2, fillcolor=black];',
    ]
    for state in machine.states:
        shape = ", peripheries=2" if state.final else ""
        lines.append(f'  "{state.id}" [label="{state.name}"{shape}];')
        if state.initial:
            lines.append(f'  "__start" -> "{state.id}";')
    for source, event, guard, target in transitions(machine):
        label = f"{event} [{guard}]" if guard else event
        lines.append(f'  "{source}" -> "{target}" [label="{label}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_available() -> bool:
    """Return whether Graphviz's ``dot`` program is on the PATH (needed for SVG)."""
    return shutil.which("dot") is not None


def svg_from_dot(dot_source: str) -> str:
    """
    Render DOT source to SVG with Graphviz's ``dot``.

    Args:
        dot_source: A DOT graph.

    Raises:
        DiagramError: ``dot`` is not installed, or failed.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise DiagramError(
            "svg",
            "Graphviz's 'dot' program is not installed; install Graphviz "
            "(for example 'apt-get install graphviz') or use the mermaid or md format",
        )
    done = subprocess.run(  # noqa: S603 - the argument list is fixed; no shell
        [dot, "-Tsvg"], input=dot_source, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise DiagramError("svg", f"dot failed: {done.stderr.strip()}")
    return done.stdout


def render_lifecycle(machine: type[Lifecycle] | str, fmt: DiagramFormat = "mermaid") -> str:
    """
    Render a lifecycle as a diagram.

    Args:
        machine: A lifecycle class, or its kind (``"node"``, ``"tool_call"``...).
        fmt: ``"mermaid"`` (a ``stateDiagram-v2``), ``"md"`` (a transition table),
            ``"dot"``, or ``"svg"`` (needs Graphviz's ``dot``).

    Raises:
        DiagramError: Unknown lifecycle or format, or SVG without Graphviz.
    """
    if isinstance(machine, str):
        try:
            machine = LIFECYCLES[machine]
        except KeyError:
            known = ", ".join(LIFECYCLES)
            raise DiagramError(fmt, f"unknown lifecycle {machine!r} (known: {known})") from None
    if fmt in {"mermaid", "md"}:
        return format(machine, fmt)
    if fmt == "dot":
        return lifecycle_dot(machine)
    if fmt == "svg":
        return svg_from_dot(lifecycle_dot(machine))
    raise DiagramError(str(fmt), "unknown format (known: mermaid, md, dot, svg)")


def lifecycles_markdown() -> str:
    """Return the generated part of ``docs/concepts/lifecycles.md``: every machine's diagrams."""
    parts: list[str] = []
    for kind, machine in LIFECYCLES.items():
        doc = (machine.__doc__ or "").strip().splitlines()
        parts.append(f"### {machine.__name__} (`{kind}`)\n")
        parts.append(" ".join(line.strip() for line in doc).strip() + "\n")
        parts.append("```mermaid\n" + render_lifecycle(machine, "mermaid").rstrip() + "\n```\n")
        parts.append(render_lifecycle(machine, "md").rstrip() + "\n")
    return "\n".join(parts)
