"""The ``agentcharts`` command."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from agentcharts.exceptions import AgentchartsError
from agentcharts.machines.diagrams import LIFECYCLES, render_lifecycle

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

_FORMATS = ("mermaid", "md", "dot", "svg")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentcharts",
        description="Run multi-agent graphs whose lifecycles are explicit state machines.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True)

    lifecycles = commands.add_parser("lifecycles", help="print every lifecycle's diagram")
    lifecycles.add_argument("--format", choices=_FORMATS, default="mermaid")

    diagram = commands.add_parser("diagram", help="print one lifecycle's diagram")
    diagram.add_argument("lifecycle", choices=sorted(LIFECYCLES))
    diagram.add_argument("--format", choices=_FORMATS, default="mermaid")
    diagram.add_argument("-o", "--output", help="write to this file instead of stdout")
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "lifecycles":
        for kind, machine in LIFECYCLES.items():
            sys.stdout.write(f"# {machine.__name__} ({kind})\n\n")
            sys.stdout.write(render_lifecycle(machine, args.format).rstrip() + "\n\n")
        return 0
    text = render_lifecycle(args.lifecycle, args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:  # noqa: PTH123
            out.write(text)
        sys.stderr.write(f"wrote {args.output}\n")
    else:
        sys.stdout.write(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command line.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0 on success, 1 on an error.
    """
    args = _build_parser().parse_args(argv)
    try:
        return _run(args)
    except AgentchartsError as error:
        if args.debug:
            raise
        sys.stderr.write(f"agentcharts: error: {error}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
