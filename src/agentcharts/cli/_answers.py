"""
Answers to interrupts: ``--respond ID_OR_NAME=VALUE`` options, and the terminal prompt.

A value is parsed as JSON when it parses (``true``, ``42``, ``{"a": 1}``, ``"quoted"``) and
taken as a plain string otherwise (``Seattle``). ``NaN``, ``Infinity`` and numbers too large
for a float (``1e999``) are not JSON, so they are text too. A value that opens arrays or
objects deeper than the library's bound (``MAX_JSON_DEPTH``) is refused, closed or not.

A ``--respond`` key matches an interrupt by its id first, then by its name; a name answers
every pending interrupt of that name, each time one is raised.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING, Any

from agentcharts.runtime.interrupts import Interrupt
from agentcharts.schemas._problems import MAX_JSON_DEPTH, NotJSONError, copy_json_value

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["Answers", "Pending", "parse_respond", "parse_value", "prompt_answers"]

Pending = tuple[str, Interrupt]
"""A pending interrupt and the top-level node that waits on it."""


class _NotStrictJSONError(ValueError):
    """A number Python's parser accepts but JSON does not (NaN, Infinity, 1e999)."""


def _refuse_constant(name: str) -> Any:
    raise _NotStrictJSONError(name)


def _finite_float(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise _NotStrictJSONError(text)
    return number


def parse_value(text: str) -> Any:
    """
    Read a response the way the command does: JSON if it parses, else the text itself.

    Args:
        text: What the human typed, or the part of ``--respond`` after ``=``.

    Returns:
        The JSON value, or ``text`` unchanged.

    Raises:
        ValueError: The text is JSON nested deeper than the library accepts.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        msg = f"the value nests deeper than {MAX_JSON_DEPTH} levels"
        raise ValueError(msg) from None
    except ValueError:
        return text
    try:
        return copy_json_value(value)
    except NotJSONError as error:
        raise ValueError(error.problem) from None


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
    try:
        parsed = parse_value(value)
    except ValueError as error:
        msg = f"{key.strip()}: {error}"
        raise argparse.ArgumentTypeError(msg) from None
    return key.strip(), parsed


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
        The answers by interrupt id, or ``None`` when the input ended first. A line that
        cannot be an answer (JSON nested too deep) is asked again, with the reason.
    """
    answers: dict[str, Any] = {}
    for node_id, interrupt in pending:
        prompt = f"{interrupt.name} ({node_id})> "
        while interrupt.id not in answers:
            try:
                line = ask(prompt)
            except EOFError:
                return None
            try:
                answers[interrupt.id] = parse_value(line.strip())
            except ValueError as error:  # too deep: say why and ask again
                prompt = f"{error}; {interrupt.name} ({node_id})> "
    return answers
