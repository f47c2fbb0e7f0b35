"""
The cattrs converter of the persisted format, and JSON helpers built on it.

:func:`make_converter` builds a fresh converter on each call; there is no shared mutable
converter to configure. Its rules:

- records are JSON objects with one key per attrs field, in declaration order, and unknown
  keys are refused;
- content blocks carry a ``"kind"`` tag (see :data:`TAGGED_UNIONS`, the one tag table that the
  JSON Schema generator also reads);
- enums and literals are written as their values; datetimes as ISO 8601 strings in UTC,
  and a date-time without an offset is refused;
- a string is never taken for an array, an integer never for a string, ``true`` never for 1;
- fields typed ``Any`` hold JSON values only: dumping anything else (a set, a datetime, an
  object) raises :class:`~agentcharts.exceptions.SnapshotEncodeError` naming its path.

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from attrs import frozen
from cattrs import BaseValidationError, Converter
from cattrs.preconf.json import make_converter as make_json_converter
from cattrs.strategies import configure_tagged_union

from agentcharts.exceptions import InvalidSettingError, SnapshotDecodeError, SnapshotEncodeError
from agentcharts.schemas._hooks import register_hooks
from agentcharts.schemas._problems import (
    InvalidValueError,
    NotJSONError,
    collect_problems,
    short_repr,
)
from agentcharts.schemas.messages import ContentBlock, TextBlock, ToolResultBlock, ToolUseBlock

__all__ = [
    "CONTENT_BLOCK",
    "TAGGED_UNIONS",
    "TaggedUnion",
    "configure_converter",
    "dumps",
    "loads",
    "make_converter",
    "parse_json",
    "structure",
    "unstructure",
]

T = TypeVar("T")


@frozen
class TaggedUnion:
    """A union of records told apart by a tag key in their JSON objects."""

    name: str
    """The union's name in the JSON Schema's ``$defs`` (``"ContentBlock"``)."""
    union: Any
    """The union type itself."""
    tag_key: str
    """The key that holds the tag (``"kind"``)."""
    tags: Mapping[type, str]
    """The tag of each member class, in the order the union lists them."""
    label: str
    """What one member is called in error messages (``"content block"``)."""


CONTENT_BLOCK = TaggedUnion(
    name="ContentBlock",
    union=ContentBlock,
    tag_key="kind",
    tags=MappingProxyType(
        {TextBlock: "text", ToolUseBlock: "tool_use", ToolResultBlock: "tool_result"}
    ),
    label="content block",
)
"""The blocks of a message's content: ``"text"``, ``"tool_use"`` and ``"tool_result"``."""

TAGGED_UNIONS: tuple[TaggedUnion, ...] = (CONTENT_BLOCK,)
"""Every tagged union of the format: the converter and the JSON Schema both read this table."""


def make_converter() -> Converter:
    """
    Build a new converter for the persisted format.

    Returns:
        A cattrs JSON converter (stdlib ``json``) with ``forbid_extra_keys`` and detailed
        validation, configured by :func:`configure_converter`.

    .. versionadded:: 0.1
    """
    converter = make_json_converter(forbid_extra_keys=True, detailed_validation=True)
    configure_converter(converter)
    return converter


def configure_converter(converter: Converter) -> None:
    """
    Register the persisted format's hooks on a converter.

    Args:
        converter: A cattrs converter created with ``forbid_extra_keys=True`` and
            ``detailed_validation=True`` (the error paths are built from its validation
            errors).

    Raises:
        InvalidSettingError: The converter lacks one of those two settings.

    .. versionadded:: 0.1
    """
    for setting in ("forbid_extra_keys", "detailed_validation"):
        if getattr(converter, setting, False) is not True:
            raise InvalidSettingError(
                f"converter.{setting}", getattr(converter, setting, None), "True"
            )
    register_hooks(converter)
    for tagged in TAGGED_UNIONS:
        _register_tagged_union(converter, tagged)


def _register_tagged_union(converter: Converter, tagged: TaggedUnion) -> None:
    """Configure cattrs' tagged-union strategy, with clear errors for bad or missing tags."""
    configure_tagged_union(
        tagged.union, converter, tag_generator=tagged.tags.__getitem__, tag_name=tagged.tag_key
    )
    tagged_structure = converter.get_structure_hook(tagged.union)
    tagged_unstructure = converter.get_unstructure_hook(tagged.union)
    known = ", ".join(tagged.tags.values())
    names = ", ".join(cl.__name__ for cl in tagged.tags)
    key = tagged.tag_key

    def structure_member(value: Any, union: Any) -> Any:
        if not isinstance(value, dict):
            raise InvalidValueError(f"expected an object, got {short_repr(value)}")
        if key not in value:
            raise InvalidValueError("required field missing", key)
        tag = value[key]
        if not isinstance(tag, str) or tag not in tagged.tags.values():
            problem = f"unknown {tagged.label} {key} {short_repr(tag)} (expected one of {known})"
            raise InvalidValueError(problem, key)
        return tagged_structure(value, union)

    def unstructure_member(value: Any) -> Any:
        if type(value) not in tagged.tags:
            problem = f"expected a {tagged.label} ({names}), got {short_repr(value)}"
            raise SnapshotEncodeError("", problem)
        fields = tagged_unstructure(value)
        return {key: fields.pop(key), **fields}

    converter.register_structure_hook(tagged.union, structure_member)
    converter.register_unstructure_hook(tagged.union, unstructure_member)


# --------------------------------------------------------------------------- helpers


@functools.cache
def _default_converter() -> Converter:
    """The converter behind the module-level helpers, built once by the factory."""
    return make_converter()


def unstructure(record: object, *, as_type: Any = None) -> Any:
    """
    Turn a record into JSON-ready data (dicts, lists, strings, numbers, booleans, ``None``).

    Args:
        record: Any record of :mod:`agentcharts.schemas`.
        as_type: The type to write it as; by default the record's own class.

    Returns:
        The record's JSON data.

    Raises:
        SnapshotEncodeError: A field holds a value the format cannot store (or the record
            is not an ``as_type``); the error names its path inside the record.

    .. versionadded:: 0.1
    """
    cls = type(record) if as_type is None else as_type
    return _default_converter().unstructure(record, unstructure_as=cls)


def structure(data: Any, cls: type[T], *, path: str = "") -> T:
    """
    Build a record from JSON data.

    Args:
        data: Parsed JSON (dicts, lists, strings, numbers, booleans, ``None``).
        cls: The record class to build.
        path: Where ``data`` sits in a larger document; error paths start with it.

    Returns:
        The record.

    Raises:
        SnapshotDecodeError: The data does not fit ``cls``; every problem is listed with
            its dotted path.

    .. versionadded:: 0.1
    """
    try:
        return _default_converter().structure(data, cls)
    except (BaseValidationError, InvalidValueError, NotJSONError) as error:
        raise SnapshotDecodeError(collect_problems(error, path)) from error


def parse_json(text: str | bytes) -> Any:
    """
    Parse JSON text strictly: ``NaN`` and ``Infinity`` are refused, as JSON refuses them.

    Args:
        text: The JSON document.

    Returns:
        The parsed data.

    Raises:
        SnapshotDecodeError: The text is not JSON (the path is empty).
    """
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        problem = f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}"
        raise SnapshotDecodeError([("", problem)]) from error
    except (ValueError, RecursionError) as error:
        raise SnapshotDecodeError([("", f"malformed JSON: {error}")]) from error


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def dumps(record: object) -> str:
    """
    Write a record as compact JSON, keys in field order.

    Args:
        record: Any record of :mod:`agentcharts.schemas`.

    Returns:
        The JSON text.

    Raises:
        SnapshotEncodeError: A field holds a value the format cannot store.

    .. versionadded:: 0.1
    """
    return json.dumps(unstructure(record), ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes, cls: type[T]) -> T:
    """
    Read a record of type ``cls`` from JSON text.

    Args:
        text: The JSON text.
        cls: The record class to build.

    Returns:
        The record.

    Raises:
        SnapshotDecodeError: The text is not JSON, or its data does not fit ``cls``.

    .. versionadded:: 0.1
    """
    return structure(parse_json(text), cls)
