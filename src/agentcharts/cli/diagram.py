"""
``agentcharts diagram FILE|SESSION|LIFECYCLE`` and ``agentcharts lifecycles``.

The target is read as a graph file when it names one (a ``.yaml``, ``.yml`` or ``.json``
path, or an existing file), then as a lifecycle kind (``graph``, ``node``, ``tool_call``,
``interrupt``), then as a session of the store: a session's graph is drawn with each node
coloured by its saved state.
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING

from agentcharts.cli._console import EXIT_OK, CommandError
from agentcharts.cli._store import StoreRef
from agentcharts.exceptions import InvalidSessionIdError
from agentcharts.graphfile import load_graph_file
from agentcharts.graphfile._source import YAML_SUFFIXES
from agentcharts.machines.diagrams import LIFECYCLES, render_lifecycle
from agentcharts.runtime.graph.diagram import render_graph

if TYPE_CHECKING:
    import argparse

    from agentcharts.cli._console import Console

__all__ = ["FORMATS", "diagram_command", "lifecycles_command"]

FORMATS = ("mermaid", "md", "dot", "svg")
"""The diagram formats the command writes."""


def _write(text: str, output: str | None, console: Console) -> None:
    if output:
        target = pathlib.Path(output)
        if target.parent != pathlib.Path():
            target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        console.notice(f"wrote {output}")
    else:
        console.out.write(text)
        console.out.flush()


def _session_diagram(args: argparse.Namespace) -> str:
    store = StoreRef(args.store)
    try:
        try:
            is_session = store.exists and store.open().exists(args.target)
        except InvalidSessionIdError:
            is_session = False
        if not is_session:
            known = ", ".join(LIFECYCLES)
            msg = (
                f"{args.target!r} is not a graph file, a lifecycle ({known}) or a session "
                f"in {store.given}"
            )
            raise CommandError(msg)
        _, record = store.load(args.target)
        info = store.load_run(args.target)
        file = args.file or (info.graph_file if info else None)
        if file is None:
            msg = f"no graph file is recorded for session {args.target!r}; pass --file FILE"
            raise CommandError(msg)
        topology = load_graph_file(file).topology()
        return render_graph(topology, args.format, record.graph)
    finally:
        store.close()


def diagram_command(args: argparse.Namespace, console: Console) -> int:
    """
    Draw a graph file, a session (nodes coloured by state), or a lifecycle.

    Args:
        args: ``target``, ``format``, ``output``, ``store``, ``file``.
        console: Where to write.

    Returns:
        ``EXIT_OK``.

    Raises:
        CommandError: The target is none of the three.
        GraphFileError: The graph file is invalid.
        DiagramError: SVG without Graphviz.
    """
    target: str = args.target
    path = pathlib.Path(target)
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES or suffix == ".json" or path.is_file():
        text = render_graph(load_graph_file(target).topology(), args.format)
    elif target in LIFECYCLES:
        text = render_lifecycle(target, args.format)
    else:
        text = _session_diagram(args)
    _write(text, args.output, console)
    return EXIT_OK


def lifecycles_command(args: argparse.Namespace, console: Console) -> int:
    """
    Print every lifecycle's diagram.

    Args:
        args: ``format``.
        console: Where to write.

    Returns:
        ``EXIT_OK``.
    """
    for kind, machine in LIFECYCLES.items():
        console.line(f"# {machine.__name__} ({kind})")
        console.line()
        console.line(render_lifecycle(machine, args.format).rstrip())
        console.line()
    return EXIT_OK
