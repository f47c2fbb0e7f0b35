"""The ``agentcharts`` argument parser: one subcommand per job."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from agentcharts.cli._answers import parse_respond
from agentcharts.cli._store import DEFAULT_STORE, STORE_ENV
from agentcharts.cli.diagram import FORMATS, diagram_command, lifecycles_command
from agentcharts.cli.run import positive_seconds, resume_command, run_command
from agentcharts.cli.sessions import list_command, show_command

__all__ = ["build_parser"]

_EPILOG = """\
exit codes: 0 done, 1 error, 2 bad command line, 3 waiting for a human
(--non-interactive, or the input ended), 4 the graph failed, 130 Ctrl-C
(the session stays resumable).
"""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: message (see prog --help)`` and exit with code 2."""
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(2)


def _common() -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show a traceback on errors",
    )
    return common


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="PATH",
        help=(
            f"the session store: a SQLite file, or a directory for a file store "
            f"(default: ${STORE_ENV}, else {DEFAULT_STORE})"
        ),
    )


def _answer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tool-timeout",
        type=positive_seconds,
        metavar="N",
        help="seconds per tool call for every agent; wins over tool_timeout in the file",
    )
    parser.add_argument(
        "--respond",
        type=parse_respond,
        action="append",
        metavar="ID_OR_NAME=VALUE",
        help=(
            "answer the interrupt with this id or name without asking (repeatable); "
            "VALUE is JSON if it parses, else text"
        ),
    )
    parser.add_argument(
        "--non-interactive",
        action="store_true",
        help="never ask: stop at an unanswered interrupt with exit code 3",
    )


def build_parser() -> argparse.ArgumentParser:
    """
    Build the parser of the ``agentcharts`` command.

    Returns:
        The parser; each subcommand sets ``handler`` to the function that runs it.
    """
    parser = _Parser(
        prog="agentcharts",
        description="Run multi-agent graphs whose lifecycles are explicit state machines.",
        epilog=_EPILOG,
    )
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common()

    run = commands.add_parser(
        "run", parents=[common], help="run a graph file in a new session", epilog=_EPILOG
    )
    run.add_argument("file", metavar="FILE", help="the graph file (.yaml, .yml or .json)")
    run.add_argument("--session", metavar="ID", help="the session id (default: a new one)")
    _store_option(run)
    run.add_argument("--task", metavar="TEXT", help="the task (default: the file's task)")
    _answer_options(run)
    run.set_defaults(handler=run_command)

    resume = commands.add_parser(
        "resume", parents=[common], help="answer or continue a stored session", epilog=_EPILOG
    )
    resume.add_argument("session", metavar="SESSION", help="the session id")
    _store_option(resume)
    resume.add_argument(
        "--file", metavar="FILE", help="the graph file (default: the one recorded by run)"
    )
    _answer_options(resume)
    resume.set_defaults(handler=resume_command)

    sessions = commands.add_parser("sessions", help="list and show stored sessions")
    actions = sessions.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help="list the stored sessions")
    _store_option(listing)
    listing.set_defaults(handler=list_command)
    show = actions.add_parser("show", parents=[common], help="show one session")
    show.add_argument("session", metavar="SESSION", help="the session id")
    _store_option(show)
    show.set_defaults(handler=show_command)

    diagram = commands.add_parser(
        "diagram",
        parents=[common],
        help="draw a graph file, a session (coloured by state) or a lifecycle",
    )
    diagram.add_argument("target", metavar="FILE|SESSION|LIFECYCLE", help="what to draw")
    diagram.add_argument("--format", choices=FORMATS, default="mermaid")
    diagram.add_argument("-o", "--output", metavar="PATH", help="write here, not to stdout")
    _store_option(diagram)
    diagram.add_argument(
        "--file", metavar="FILE", help="a session's graph file (default: the recorded one)"
    )
    diagram.set_defaults(handler=diagram_command)

    lifecycles = commands.add_parser(
        "lifecycles", parents=[common], help="print every lifecycle's diagram"
    )
    lifecycles.add_argument("--format", choices=FORMATS, default="mermaid")
    lifecycles.set_defaults(handler=lifecycles_command)
    return parser
