"""
Answers to interrupts: ``--respond ID_OR_NAME=VALUE`` options, and the terminal prompt.

A value is parsed as JSON when it parses (``true``, ``42``, ``{"a": 1}``, ``"quoted"``) and
taken as a plain string otherwise (``Seattle``). A ``--respond`` key matches an interrupt by
its id first, then by its name; a name answers every pending interrupt of that name, each
time one is raised.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from agentcharts.runtime.interrupts import Interrupt

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["Answers", "Pending", "parse_respond", "parse_value", "prompt_answers"]

Pending = tuple[str, Interrupt]
"""A pending interrupt and the top-level node that waits on it."""


def parse_value(text: str) -> Any:
    """
    Read a response the way the command does: JSON if it parses, else the text itself.

    Args:
        text: What the human typed, or the part of ``--respond`` after ``=``.

    Returns:
        The JSON value, or ``text`` unchanged.
    """
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_respond(option: str) -> tuple[str, Any]:
    """
    Parse one ``--respond ID_OR_NAME=VALUE`` option (an argparse ``type``).

    Args:
        option: The option's value.

    Returns:
        ``(id or name, value)``.

    Raises:
        argparse.ArgumentTypeError: There is no ``=`` or nothing before it.
    """
    key, sep, value = option.partition("=")
    if not sep or not key.strip():
        msg = f"expected ID_OR_NAME=VALUE, got {option!r}"
        raise argparse.ArgumentTypeError(msg)
    return key.strip(), parse_value(value)


class Answers:
    """The ``--respond`` answers of one command, matched to interrupts as they come."""

    def __init__(self, pairs: Sequence[tuple[str, Any]] = ()) -> None:
        """
        Keep the answers; a later option for the same key wins.

        Args:
            pairs: ``(id or name, value)`` pairs from :func:`parse_respond`.
        """
        self._values = dict(pairs)
        self._used: set[str] = set()

    def match(self, pending: Sequence[Pending]) -> dict[str, Any]:
        """
        Find answers for pending interrupts.

        Args:
            pending: The pending interrupts, with their nodes.

        Returns:
            The answers found, by interrupt id.
        """
        found: dict[str, Any] = {}
        for _, interrupt in pending:
            for key in (interrupt.id, interrupt.name):
                if key in self._values:
                    found[interrupt.id] = self._values[key]
                    self._used.add(key)
                    break
        return found

    def unused(self) -> list[str]:
        """The keys of the answers that matched no interrupt."""
        return [key for key in self._values if key not in self._used]


def prompt_answers(pending: Sequence[Pending], ask: Callable[[str], str]) -> dict[str, Any] | None:
    """
    Ask for each pending interrupt's response in the terminal.

    Args:
        pending: The interrupts still without an answer, with their nodes.
        ask: Shows a prompt and returns the line typed (``input``); raises ``EOFError``
            at the end of the input.

    Returns:
        The answers by interrupt id, or ``None`` when the input ended first.
    """
    answers: dict[str, Any] = {}
    for node_id, interrupt in pending:
        try:
            line = ask(f"{interrupt.name} ({node_id})> ")
        except EOFError:
            return None
        answers[interrupt.id] = parse_value(line.strip())
    return answers
