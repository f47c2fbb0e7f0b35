"""
The shapes a tool's input can take, and a validator that builds Python values from JSON.

A *shape* is the parsed form of one type hint (:mod:`agentcharts.runtime.tools._schema`
parses hints into shapes and renders them as JSON Schema), built once when a tool is
defined. :func:`structure` checks a model's JSON value against a shape: it collects every
problem with its path (``items[2].name``) instead of stopping at the first, and converts as
it goes (nested attrs classes and dataclasses become instances, enum values become members,
arrays become the hinted container). It depends on no JSON Schema library.
"""

from __future__ import annotations

import collections.abc
import enum
import inspect
import json
import sys
from typing import TYPE_CHECKING, Any, Final, Literal

from attrs import define, field, frozen

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "INVALID",
    "MISSING",
    "AnyShape",
    "ArrayShape",
    "ClassShape",
    "DescribedShape",
    "EnumShape",
    "Field",
    "JSONType",
    "LiteralShape",
    "MappingShape",
    "ObjectShape",
    "Problems",
    "ScalarShape",
    "Shape",
    "TupleShape",
    "UnionShape",
    "describe",
    "structure",
    "structure_object",
]

MISSING: Final = inspect.Parameter.empty
"""Marks a field or parameter without a default."""

JSONType = Literal["string", "integer", "number", "boolean", "null"]
"""The JSON Schema type of a scalar."""


# --------------------------------------------------------------------------- shapes


@frozen
class AnyShape:
    """``Any``: every JSON value, passed through unchanged."""


@frozen
class ScalarShape:
    """``str``, ``int``, ``float``, ``bool`` or ``None``."""

    json_type: JSONType
    """The JSON Schema type."""


@frozen
class LiteralShape:
    """``Literal[...]``: one of fixed values (enum members among them stand for their value)."""

    values: tuple[Any, ...]
    """The Python values, in the order written."""


@frozen
class EnumShape:
    """An ``enum.Enum`` subclass, given by its members' values."""

    cls: type[enum.Enum]
    """The enum class."""


@frozen
class ArrayShape:
    """``list[X]``, ``Sequence[X]``, ``tuple[X, ...]``, ``set[X]``, ``frozenset[X]``."""

    item: Shape
    """The shape of every item."""
    container: type[Any]
    """What to build: ``list``, ``tuple``, ``set`` or ``frozenset``."""

    @property
    def unique(self) -> bool:
        """Whether the items must be distinct (a set)."""
        return self.container in {set, frozenset}


@frozen
class TupleShape:
    """``tuple[X, Y]``: a fixed number of items, each with its own shape."""

    items: tuple[Shape, ...]
    """The item shapes, in order."""


@frozen
class MappingShape:
    """``dict[str, X]`` or ``Mapping[str, X]``: an object with any keys."""

    value: Shape
    """The shape of every value."""


@frozen
class UnionShape:
    """``X | Y`` (``Optional[X]`` is ``X | None``): the first option that fits wins."""

    options: tuple[Shape, ...]
    """The options, in the order written."""


@frozen
class DescribedShape:
    """``Annotated[X, "text"]``: a shape with a description for the model."""

    inner: Shape
    """The described shape."""
    description: str
    """The text."""


@frozen
class Field:
    """One named member of an object: a tool parameter or a field of a class."""

    name: str
    """The JSON key, which is also the keyword argument."""
    shape: Shape
    """What its value may be."""
    default: Any = MISSING
    """The Python default, or ``MISSING`` when the key is required."""
    optional: bool = False
    """True when the key may be left out (a default or a default factory)."""
    description: str | None = None
    """Text for the model, from a docstring or field metadata."""


@frozen
class ObjectShape:
    """A JSON object with known keys: the input of a tool, or the body of a class."""

    fields: tuple[Field, ...]
    """The members, in declaration order."""


@define(eq=False)
class ClassShape:
    """An attrs class or dataclass, rendered once under ``$defs`` and built from its fields."""

    cls: type[Any]
    """The class to build."""
    def_name: str
    """Its key under ``$defs``."""
    description: str | None = None
    """The class docstring's description, if any."""
    body: ObjectShape = field(factory=lambda: ObjectShape(()))
    """Its fields; filled in after creation so that a class may refer to itself."""


Shape = (
    AnyShape
    | ScalarShape
    | LiteralShape
    | EnumShape
    | ArrayShape
    | TupleShape
    | MappingShape
    | UnionShape
    | DescribedShape
    | ClassShape
)
"""The parsed form of one type hint."""


Problems = list[tuple[str, str]]
"""``(path, what was wrong)`` pairs, in the order found."""


class _Invalid(enum.Enum):
    INVALID = "INVALID"


INVALID: Final = _Invalid.INVALID
"""Returned in place of a value that did not fit; its problems were recorded."""

_FLOAT_MAX: Final = sys.float_info.max
"""Larger integers have no float, so they cannot stand for one."""

_SHOWN: Final = 40
"""How many characters of a string an error message shows."""

_ARTICLES: Final = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _same(a: Any, b: Any) -> bool:
    """Compare two JSON scalars as JSON does: ``true`` is not ``1``, but ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return (type(a) is type(b) and a == b) or (
        isinstance(a, int | float) and isinstance(b, int | float) and a == b
    )


def _kind(value: Any) -> str:
    """Name a value the way the model wrote it: ``string "abc"``, ``integer 3``, ``object``."""
    if isinstance(value, collections.abc.Mapping | list | tuple):
        return "object" if isinstance(value, collections.abc.Mapping) else "array"
    if value is None:
        return "null"
    if not isinstance(value, str | int | float):
        return type(value).__name__
    kinds = {bool: "boolean", int: "integer", float: "number"}
    name = next((n for t, n in kinds.items() if isinstance(value, t)), "string")
    text = json.dumps(value)
    return f"{name} {text if len(text) <= _SHOWN else text[: _SHOWN - 3] + '...'}"


def describe(shape: Shape) -> str:  # noqa: PLR0911 - one return per shape
    """
    Say what a shape accepts, for error messages (``"an integer or null"``).

    Args:
        shape: The shape.

    Returns:
        A short phrase.
    """
    match shape:
        case AnyShape():
            return "any value"
        case ScalarShape(json_type=json_type):
            return _ARTICLES[json_type]
        case LiteralShape(values=values):
            plain = [v.value if isinstance(v, enum.Enum) else v for v in values]
            return "one of " + ", ".join(json.dumps(v) for v in plain)
        case EnumShape(cls=cls):
            return "one of " + ", ".join(json.dumps(m.value) for m in cls)
        case ArrayShape():
            return "an array of unique items" if shape.unique else "an array"
        case TupleShape(items=items):
            return f"an array of {len(items)} item{'' if len(items) == 1 else 's'}"
        case MappingShape() | ClassShape():
            return "an object"
        case UnionShape(options=options):
            return " or ".join(dict.fromkeys(describe(o) for o in options))
        case _:  # a DescribedShape, the only shape left
            return describe(shape.inner)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not key.isidentifier():
        return f"{path}[{json.dumps(key)}]"
    return f"{path}.{key}" if path else key


def structure(shape: Shape, value: Any, path: str, problems: Problems) -> Any:  # noqa: C901, PLR0911, PLR0912
    """
    Check one JSON value against a shape and build its Python value.

    Args:
        shape: What the value should be.
        value: The JSON value (as ``json.loads`` gives it; tuples pass for arrays).
        path: Where the value is, for messages (``items[2].name``; empty at the root).
        problems: Where problems are appended.

    Returns:
        The Python value, or ``INVALID`` when a problem was recorded.
    """
    match shape:
        case AnyShape():
            return value
        case ScalarShape(json_type="null") if value is None:
            return None
        case ScalarShape(json_type="string") if isinstance(value, str):
            return value
        case ScalarShape(json_type="boolean") if isinstance(value, bool):
            return value
        case ScalarShape(json_type="integer") if not isinstance(value, bool):
            if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
                return int(value)
        case ScalarShape(json_type="number") if not isinstance(value, bool):
            if isinstance(value, float) or (isinstance(value, int) and abs(value) <= _FLOAT_MAX):
                return float(value)
        case LiteralShape(values=values):
            for option in values:
                if _same(option.value if isinstance(option, enum.Enum) else option, value):
                    return option
        case EnumShape(cls=cls):
            for member in cls:
                if _same(member.value, value):
                    return member
        case ArrayShape() | TupleShape() if isinstance(value, list | tuple):
            return _array(shape, value, path, problems)
        case MappingShape(value=item) if isinstance(value, collections.abc.Mapping):
            start = len(problems)
            built = {}
            for key, entry in value.items():
                if not isinstance(key, str):
                    problems.append((path, f"object keys must be strings, got {_kind(key)}"))
                    continue
                built[key] = structure(item, entry, _join(path, key), problems)
            return built if len(problems) == start else INVALID
        case UnionShape(options=options):
            return _union(options, value, path, problems)
        case DescribedShape(inner=inner):
            return structure(inner, value, path, problems)
        case ClassShape() if isinstance(value, collections.abc.Mapping):
            return _instance(shape, value, path, problems)
    problems.append((path, f"expected {describe(shape)}, got {_kind(value)}"))
    return INVALID


def _array(shape: ArrayShape | TupleShape, value: Any, path: str, problems: Problems) -> Any:
    start = len(problems)
    if isinstance(shape, TupleShape):
        if len(value) != len(shape.items):
            problems.append((path, f"expected {len(shape.items)} items, got {len(value)}"))
            return INVALID
        pairs = enumerate(zip(shape.items, value, strict=True))
        items = [structure(s, v, _join(path, i), problems) for i, (s, v) in pairs]
        return tuple(items) if len(problems) == start else INVALID
    items = [structure(shape.item, v, _join(path, i), problems) for i, v in enumerate(value)]
    if len(problems) > start:
        return INVALID
    if shape.unique:
        return _unique(shape.container, items, path, problems)
    return shape.container(items)


def _unique(container: type[Any], items: list[Any], path: str, problems: Problems) -> Any:
    try:
        built = container(items)
    except TypeError:
        problems.append((path, "the items cannot be put in a set (they are not hashable)"))
        return INVALID
    if len(built) != len(items):
        problems.append((path, "the items must be unique, got duplicates"))
        return INVALID
    return built


def _union(options: tuple[Shape, ...], value: Any, path: str, problems: Problems) -> Any:
    attempts: list[tuple[Shape, Problems]] = []
    for option in options:
        found: Problems = []
        built = structure(option, value, path, found)
        if not found:
            return built
        attempts.append((_unwrap(option), found))
    # An array or object that fits an option's kind but not its contents: the option's own
    # problems (``items[1].name: ...``) say more than "expected an object or null".
    if isinstance(value, list | tuple | collections.abc.Mapping):
        containers = ArrayShape | TupleShape | MappingShape | ClassShape | AnyShape
        fitting: list[Problems] = [
            found
            for option, found in attempts
            if isinstance(option, containers) and not _wrong_kind(found, path)
        ]
        if fitting:
            fewest: Problems = min(fitting, key=len)
            problems.extend(fewest)
            return INVALID
    problems.append((path, f"expected {describe(UnionShape(options))}, got {_kind(value)}"))
    return INVALID


def _unwrap(shape: Shape) -> Shape:
    while isinstance(shape, DescribedShape):
        shape = shape.inner
    return shape


def _wrong_kind(found: Problems, path: str) -> bool:
    """Tell whether an attempt failed on the value's kind itself (an array for an object)."""
    return any(p == path and m.startswith("expected ") for p, m in found)


def _instance(shape: ClassShape, value: Mapping[Any, Any], path: str, problems: Problems) -> Any:
    start = len(problems)
    kwargs = structure_object(shape.body, value, path, problems, fill_defaults=False)
    if len(problems) > start:
        return INVALID
    try:
        return shape.cls(**kwargs)
    except Exception as error:  # noqa: BLE001 - a class's own validators refuse input this way
        problems.append((path, f"cannot build {shape.cls.__name__}: {error}"))
        return INVALID


def structure_object(
    shape: ObjectShape,
    value: Any,
    path: str,
    problems: Problems,
    *,
    fill_defaults: bool,
) -> dict[str, Any]:
    """
    Check a JSON object against known fields and build keyword arguments from it.

    Args:
        shape: The fields.
        value: The JSON value; anything but an object is one problem.
        path: Where the object is (empty for a tool's input).
        problems: Where problems are appended.
        fill_defaults: Add missing keys with their Python defaults (a function's defaults);
            without it a missing optional key is left out (a class fills its own).

    Returns:
        The keyword arguments built so far; check ``problems`` before using them.
    """
    if not isinstance(value, collections.abc.Mapping):
        problems.append((path, f"expected an object, got {_kind(value)}"))
        return {}
    names = [f.name for f in shape.fields]
    for key in value:
        if key not in names:
            allowed = ", ".join(names) or "none"
            where = _join(path, key) if isinstance(key, str) else path
            problems.append((where, f"unexpected key (allowed keys: {allowed})"))
    kwargs: dict[str, Any] = {}
    for member in shape.fields:
        where = _join(path, member.name)
        if member.name in value:
            kwargs[member.name] = structure(member.shape, value[member.name], where, problems)
        elif not member.optional:
            problems.append((where, f"missing required key: expected {describe(member.shape)}"))
        elif fill_defaults and member.default is not MISSING:
            kwargs[member.name] = member.default
    return kwargs
