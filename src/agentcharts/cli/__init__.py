"""
The ``agentcharts`` command line.

- ``agentcharts run FILE``: run a graph file in a new session, printing progress and asking
  in the terminal for the response to each interrupt.
- ``agentcharts resume SESSION``: answer a stored session's interrupts, or continue a run
  that stopped (Ctrl-C, a crash).
- ``agentcharts sessions list`` / ``agentcharts sessions show SESSION``.
- ``agentcharts diagram FILE|SESSION|LIFECYCLE``: Mermaid, markdown, DOT or SVG.
- ``agentcharts lifecycles``: every lifecycle's state diagram.

Exit codes: :data:`EXIT_OK` (0), :data:`EXIT_ERROR` (1), :data:`EXIT_USAGE` (2),
:data:`EXIT_WAITING` (3: stopped at an interrupt), :data:`EXIT_FAILED` (4: the graph
failed), :data:`EXIT_INTERRUPTED` (130: Ctrl-C). Every error is one line on stderr; pass
``--debug`` for the traceback.

.. versionadded:: 0.1
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from agentcharts.cli._console import (
    EXIT_ERROR,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WAITING,
    CommandError,
    Console,
)
from agentcharts.cli._parser import build_parser
from agentcharts.exceptions import AgentchartsError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "EXIT_ERROR",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_WAITING",
    "build_parser",
    "main",
]


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split("\n")).strip()
    if isinstance(error, (AgentchartsError, CommandError)):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the ``agentcharts`` command.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a bad command line (argparse printed why)
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    console = Console(sys.stdout, sys.stderr)
    debug = bool(getattr(args, "debug", False))
    try:
        code: int = args.handler(args, console)
    except KeyboardInterrupt:
        if debug:
            raise
        console.notice("agentcharts: interrupted")
        return EXIT_INTERRUPTED
    except Exception as error:
        if debug:
            raise
        console.notice(f"agentcharts: error: {_one_line(error)}")
        return EXIT_ERROR
    return code
