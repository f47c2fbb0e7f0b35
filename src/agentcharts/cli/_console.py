"""Where the command writes, its exit codes, and the one error it raises itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from typing import TextIO

__all__ = [
    "EXIT_ERROR",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_WAITING",
    "CommandError",
    "Console",
]

EXIT_OK: Final = 0
"""The command did its job (a graph run completed)."""
EXIT_ERROR: Final = 1
"""An error: a bad graph file, an unknown session, a store that cannot be opened..."""
EXIT_USAGE: Final = 2
"""The command line itself is wrong (argparse's code)."""
EXIT_WAITING: Final = 3
"""The run stopped to wait for a human (``--non-interactive``, or no more input)."""
EXIT_FAILED: Final = 4
"""The graph ran and failed (a node failed, or a limit was exceeded)."""
EXIT_INTERRUPTED: Final = 130
"""Ctrl-C stopped the command; the session stays resumable."""


class CommandError(Exception):
    """A problem the command reports in one line (an unknown session, a missing option)."""


class Console:
    """The command's output and error streams; every line is flushed at once."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        """
        Write to ``out`` (results, progress, prompts) and ``err`` (errors, notices).

        Args:
            out: The output stream.
            err: The error stream.
        """
        self.out = out
        self.err = err

    def line(self, text: str = "") -> None:
        """Write a line to the output and flush it, so a pipe sees progress as it happens."""
        self.out.write(text + "\n")
        self.out.flush()

    def notice(self, text: str) -> None:
        """Write a line to the error stream."""
        self.err.write(text + "\n")
        self.err.flush()
