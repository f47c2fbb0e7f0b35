"""
Paths and problems: how the converter says *where* a payload or a record is wrong.

A path is dotted: ``graph.nodes.weather.status``, ``messages.2.content.0.text``. Attribute
names, mapping keys and sequence indices are its segments; the empty path is the document
itself. Decoding collects every problem from cattrs' exception tree (:func:`collect_problems`);
encoding raises at the first one.
"""

from __future__ import annotations

import math
from typing import Any

from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

__all__ = [
    "MAX_JSON_DEPTH",
    "InvalidValueError",
    "NotJSONError",
    "collect_problems",
    "copy_json_value",
    "join_path",
    "short_repr",
]

_REPR_LIMIT = 60

MAX_JSON_DEPTH = 100
"""How deeply arrays and objects may nest in a JSON value the library accepts (an answer, a
tool's input or output, a node's value). Deeper values are refused with a typed error
instead of exhausting Python's recursion limit."""

Segment = str | int
"""One step of a path: an attribute name, a mapping key or a sequence index."""


def join_path(*segments: Segment) -> str:
    """
    Join path segments into a dotted path, skipping empty ones.

    Args:
        *segments: Names, keys, indices, or already-dotted paths.

    Returns:
        The dotted path (``"nodes.weather.status"``), empty for the document itself.
    """
    return ".".join(str(s) for s in segments if s != "")


def short_repr(value: object) -> str:
    """
    Show a value in an error message, cut to a readable length.

    Args:
        value: Any value.

    Returns:
        Its ``repr``, shortened with an ellipsis past 60 characters.
    """
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 3] + "..."


class InvalidValueError(ValueError):
    """
    A decoding hook refused a value; ``subpath`` points inside it when the problem is deeper.

    cattrs collects these in its exception tree like any other error, and
    :func:`collect_problems` turns them into ``(path, problem)`` pairs.
    """

    def __init__(self, problem: str, subpath: str = "") -> None:
        """
        Build the error.

        Args:
            problem: What was wrong (``"expected a string, got 3"``).
            subpath: The dotted path of the problem inside the refused value, if deeper.
        """
        self.problem = problem
        self.subpath = subpath
        super().__init__(problem)


class NotJSONError(ValueError):
    """A value that must be JSON is not; ``subpath`` points at the offending part."""

    def __init__(self, problem: str, subpath: str = "") -> None:
        """
        Build the error.

        Args:
            problem: What was wrong.
            subpath: The dotted path of the offending part inside the value.
        """
        self.problem = problem
        self.subpath = subpath
        super().__init__(problem)


class _TooDeepError(NotJSONError):
    """Nesting past the bound; its path names only the outermost step, not a hundred."""


def _inner(segment: Segment, error: NotJSONError) -> str:
    return str(segment) if isinstance(error, _TooDeepError) else join_path(segment, error.subpath)


def copy_json_value(value: Any) -> Any:
    """
    Check that a value is JSON and return a fresh copy of it.

    JSON values are ``None``, ``bool``, ``int``, finite ``float``, ``str``, lists of JSON
    values and dicts from ``str`` to JSON values. Tuples are accepted and copied as lists,
    since JSON writes them as arrays anyway.

    Args:
        value: The value to check.

    Returns:
        A deep copy made of dicts and lists, sharing only the immutable leaves.

    Raises:
        NotJSONError: The value, or a part of it, is not JSON, or it nests arrays and
            objects more than :data:`MAX_JSON_DEPTH` levels deep.
    """
    return _copy(value, MAX_JSON_DEPTH)


def _copy(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotJSONError(f"{value!r} is not a JSON number (JSON has no NaN or Infinity)")
        return value
    if isinstance(value, list | tuple | dict) and depth <= 0:
        raise _TooDeepError(
            f"the value nests deeper than {MAX_JSON_DEPTH} levels, or contains itself"
        )
    if isinstance(value, list | tuple):
        return _copy_json_array(value, depth - 1)
    if isinstance(value, dict):
        return _copy_json_object(value, depth - 1)
    kind = type(value).__name__
    raise NotJSONError(f"a {kind} is not a JSON value: {short_repr(value)}")


def _copy_json_array(value: list[Any] | tuple[Any, ...], depth: int) -> list[Any]:
    items: list[Any] = []
    for index, item in enumerate(value):
        try:
            items.append(_copy(item, depth))
        except NotJSONError as error:
            raise type(error)(error.problem, _inner(index, error)) from None
    return items


def _copy_json_object(value: dict[Any, Any], depth: int) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise NotJSONError(f"object keys must be strings, got {short_repr(key)}")
        try:
            mapping[key] = _copy(item, depth)
        except NotJSONError as error:
            raise type(error)(error.problem, _inner(key, error)) from None
    return mapping


def collect_problems(error: BaseException, path: str = "") -> list[tuple[str, str]]:
    """
    Flatten a structuring error into ``(dotted path, problem)`` pairs, in document order.

    Args:
        error: What the converter raised: a cattrs validation error tree or a leaf error.
        path: The path of the value that was being structured.

    Returns:
        One pair per problem found.
    """
    if isinstance(error, ClassValidationError | IterableValidationError):
        problems: list[tuple[str, str]] = []
        for sub in error.exceptions:
            problems.extend(collect_problems(sub, join_path(path, _note_segment(sub))))
        return problems
    if isinstance(error, ForbiddenExtraKeysError):
        return [(join_path(path, key), "unknown key") for key in sorted(error.extra_fields)]
    if isinstance(error, InvalidValueError | NotJSONError):
        return [(join_path(path, error.subpath), error.problem)]
    if isinstance(error, KeyError):
        # a generated attrs hook reads every required field with ``o[name]``
        return [(path, "required field missing")]
    return [(path, f"{type(error).__name__}: {error}")]


def _note_segment(error: BaseException) -> Segment:
    """Return the attribute name or index that cattrs noted on a sub-error, if any."""
    for note in getattr(error, "__notes__", ()):
        if isinstance(note, AttributeValidationNote):
            return note.name
        if isinstance(note, IterableValidationNote):
            return note.index
    return ""
