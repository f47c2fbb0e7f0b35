"""
Type hints to shapes, and shapes to JSON Schema, for the ``tool`` decorator.

The shapes (defined in :mod:`agentcharts.runtime.tools._input`) are built once, when a tool
is defined, and serve twice: they render the JSON Schema the model sees (here) and they
check and structure the model's input. Both therefore agree on what a hint means.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import inspect
import json
import math
import re
import types
import typing
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, Union

import attrs
from attrs import frozen

from agentcharts.runtime.tools._input import (
    MISSING,
    AnyShape,
    ArrayShape,
    ClassShape,
    DescribedShape,
    EnumShape,
    Field,
    JSONType,
    LiteralShape,
    MappingShape,
    ObjectShape,
    ScalarShape,
    Shape,
    TupleShape,
    UnionShape,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "Docstring",
    "ShapeParser",
    "UnsupportedHintError",
    "json_default",
    "parse_docstring",
    "render_object",
    "render_schema",
]


class UnsupportedHintError(Exception):
    """A type hint has no JSON Schema form; the caller turns it into a ``DefinitionError``."""


# --------------------------------------------------------------------------- docstrings

_SECTION = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
_ENTRY = re.compile(r"^\**(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NAMED_SECTIONS: Final = {
    "args": "args",
    "arguments": "args",
    "parameters": "args",
    "params": "args",
    "keyword args": "args",
    "keyword arguments": "args",
    "attributes": "attributes",
}
_OTHER_SECTIONS: Final = {
    "returns", "return", "yields", "yield", "raises", "examples", "example", "note", "notes",
    "see also", "warning", "warnings", "todo", "references", "methods",
}  # fmt: skip


@frozen
class Docstring:
    """The parts of a Google-style docstring that the schema uses."""

    description: str
    """The summary and body text before the first section."""
    args: dict[str, str]
    """Per-argument text from the ``Args:`` section."""
    attributes: dict[str, str]
    """Per-attribute text from the ``Attributes:`` section."""


def parse_docstring(doc: str | None) -> Docstring:
    """
    Split a Google-style docstring into its description and its argument descriptions.

    Args:
        doc: The docstring, or ``None``.

    Returns:
        The description and the ``Args:`` and ``Attributes:`` entries (continuation lines
        joined with single spaces).
    """
    body: list[str] = []
    sections: dict[str, dict[str, str]] = {"args": {}, "attributes": {}}
    section: str | None = None
    entry: str | None = None
    entry_indent: int | None = None
    for line in inspect.cleandoc(doc or "").splitlines():
        header = _SECTION.match(line)
        name = header.group(1).lower() if header else ""
        if name in _NAMED_SECTIONS or name in _OTHER_SECTIONS:
            section, entry, entry_indent = _NAMED_SECTIONS.get(name, "other"), None, None
            continue
        if section is None:
            body.append(line)
            continue
        text = line.strip()
        if section == "other" or not text:
            continue
        indent = len(line) - len(line.lstrip())
        if entry_indent is None:
            entry_indent = indent
        if indent <= entry_indent:  # a new entry, or a stray line that ends the last one
            match = _ENTRY.match(text)
            entry = match.group(1) if match else None
            if match:
                sections[section][match.group(1)] = match.group(2).strip()
        elif entry is not None:
            sections[section][entry] = f"{sections[section][entry]} {text}".strip()
    return Docstring("\n".join(body).strip(), sections["args"], sections["attributes"])


def _class_docstring(cls: type[Any]) -> Docstring:
    doc = cls.__dict__.get("__doc__")
    if dataclasses.is_dataclass(cls) and doc and doc.startswith(f"{cls.__name__}("):
        doc = None  # dataclasses write their signature when the class has no docstring
    return parse_docstring(doc)


# --------------------------------------------------------------------------- parsing

_SCALARS: Final[dict[Any, JSONType]] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    None: "null",
    type(None): "null",
}
_ARRAYS: Final[dict[Any, type[Any]]] = {
    list: list,
    collections.abc.Sequence: list,
    collections.abc.MutableSequence: list,
    set: set,
    collections.abc.Set: frozenset,
    collections.abc.MutableSet: set,
    frozenset: frozenset,
}
_MAPPINGS: Final = (dict, collections.abc.Mapping, collections.abc.MutableMapping)
_JSON_SCALARS: Final = (str, int, float, bool, type(None))


class ShapeParser:
    """
    Turns type hints into shapes, remembering classes so each is parsed (and named) once.

    One parser serves one tool: its classes become that tool's ``$defs``.
    """

    def __init__(self, namespace: Mapping[str, Any] | None = None) -> None:
        """
        Start with no known classes.

        Args:
            namespace: Where to look up names in a class's string hints when the class's
                own module cannot resolve them (the tool function's globals).
        """
        self.classes: dict[type[Any], ClassShape] = {}
        self.namespace = dict(namespace or {})

    def parse(self, hint: Any) -> Shape:  # noqa: PLR0911 - one return per kind of hint
        """
        Return the shape of a resolved type hint.

        Args:
            hint: A type hint, as ``typing.get_type_hints(..., include_extras=True)`` gives it.

        Returns:
            Its shape.

        Raises:
            UnsupportedHintError: The hint, or one nested in it, has no JSON form.
        """
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if hint is Any:
            return AnyShape()
        if origin is Annotated:
            inner = self.parse(args[0])
            texts = [m for m in hint.__metadata__ if isinstance(m, str)]
            return DescribedShape(inner, texts[-1]) if texts else inner
        if origin in {Union, types.UnionType}:
            return UnionShape(tuple(self.parse(a) for a in args))
        if origin is Literal:
            return _literal(args)
        if isinstance(hint, typing.NewType):
            return self.parse(hint.__supertype__)
        if (hint is None or isinstance(hint, type)) and hint in _SCALARS:
            return ScalarShape(_SCALARS[hint])
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return _enum(hint)
        if isinstance(hint, type) and (attrs.has(hint) or dataclasses.is_dataclass(hint)):
            return self._class(hint)
        return self._container(hint, origin or hint, args)

    def _container(self, hint: Any, origin: Any, args: tuple[Any, ...]) -> Shape:
        if not isinstance(origin, type):
            msg = f"{_hint_name(hint)} is not a type"
            raise UnsupportedHintError(msg)
        if origin is tuple:
            if hint in {tuple, typing.Tuple} or (len(args) == 2 and args[1] is Ellipsis):  # noqa: PLR2004, UP006
                return ArrayShape(self.parse(args[0]) if args else AnyShape(), tuple)
            return TupleShape(tuple(self.parse(a) for a in args))
        if origin in _ARRAYS:
            return ArrayShape(self.parse(args[0]) if args else AnyShape(), _ARRAYS[origin])
        if origin in _MAPPINGS:
            if args and args[0] is not str:
                msg = f"{_hint_name(hint)}: object keys are strings, so the key type must be str"
                raise UnsupportedHintError(msg)
            return MappingShape(self.parse(args[1]) if args else AnyShape())
        msg = f"{_hint_name(hint)} has no JSON Schema form"
        raise UnsupportedHintError(msg)

    def _class(self, cls: type[Any]) -> ClassShape:
        known = self.classes.get(cls)
        if known is not None:
            return known
        taken = {shape.def_name for shape in self.classes.values()}
        name, n = cls.__name__, 2
        while name in taken:
            name, n = f"{cls.__name__}{n}", n + 1
        doc = _class_docstring(cls)
        shape = ClassShape(cls, name, doc.description or None)
        self.classes[cls] = shape  # before the fields, so a field may refer to the class
        try:
            hints = _class_hints(cls, self.namespace)
        except Exception as error:
            msg = f"cannot resolve the type hints of class {cls.__qualname__}: {error}"
            raise UnsupportedHintError(msg) from error
        fields: list[Field] = []
        for name_, key, default, optional, metadata in _class_members(cls):
            if name_ not in hints:
                msg = f"field {cls.__qualname__}.{name_} has no type hint"
                raise UnsupportedHintError(msg)
            try:
                member = self.parse(hints[name_])
            except UnsupportedHintError as error:
                msg = f"field {cls.__qualname__}.{name_}: {error}"
                raise UnsupportedHintError(msg) from error
            text = metadata.get("description") or doc.attributes.get(name_)
            fields.append(Field(key, member, default, optional, text))
        shape.body = ObjectShape(tuple(fields))
        return shape


def _class_hints(cls: type[Any], namespace: dict[str, Any]) -> dict[str, Any]:
    """Resolve in the class's module first, then in the tool's (for classes made by exec)."""
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except NameError:
        return typing.get_type_hints(cls, localns=namespace, include_extras=True)


def _class_members(cls: type[Any]) -> list[tuple[str, str, Any, bool, Any]]:
    """Return ``(attribute, init keyword, default, optional, metadata)`` per init field."""
    if attrs.has(cls):
        members = []
        for a in attrs.fields(cls):
            if not a.init:
                continue
            has_default = a.default is not attrs.NOTHING
            factory = isinstance(a.default, attrs.Factory)  # type: ignore[arg-type]
            default = a.default if has_default and not factory else MISSING
            members.append((a.name, a.alias or a.name, default, has_default, a.metadata))
        return members
    return [
        (
            f.name,
            f.name,
            MISSING if f.default is dataclasses.MISSING else f.default,
            f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING,
            f.metadata,
        )
        for f in dataclasses.fields(cls)
        if f.init
    ]


def _literal(values: tuple[Any, ...]) -> LiteralShape:
    for value in values:
        plain = value.value if isinstance(value, enum.Enum) else value
        if not isinstance(plain, _JSON_SCALARS):
            msg = f"Literal value {value!r} is not a JSON string, number, boolean or null"
            raise UnsupportedHintError(msg)
    return LiteralShape(values)


def _enum(cls: type[enum.Enum]) -> EnumShape:
    for member in cls:
        if not isinstance(member.value, _JSON_SCALARS):
            msg = f"enum {cls.__qualname__}: value {member.value!r} of {member.name} is not JSON"
            raise UnsupportedHintError(msg)
    return EnumShape(cls)


def _hint_name(hint: Any) -> str:
    return hint.__qualname__ if isinstance(hint, type) else repr(hint)


# --------------------------------------------------------------------------- rendering


def _json_type(value: Any) -> JSONType:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "null" if value is None else "string"


def _enum_schema(values: list[Any]) -> dict[str, Any]:
    kinds = list(dict.fromkeys(_json_type(v) for v in values))
    return {"type": kinds[0] if len(kinds) == 1 else kinds, "enum": values}


class _NotJSONError(Exception):
    pass


def json_default(value: Any) -> Any:
    """
    Return a default value as JSON, to show it to the model.

    Args:
        value: A Python default (enum members, tuples, sets and attrs/dataclass instances
            are converted).

    Returns:
        The JSON value, or ``MISSING`` when it has no JSON form.
    """
    try:
        return _to_json(value)
    except _NotJSONError:
        return MISSING


def _to_json(value: Any) -> Any:  # noqa: PLR0911 - one return per JSON kind
    if isinstance(value, enum.Enum):
        return _to_json(value.value)
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotJSONError
        return value
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_to_json(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, collections.abc.Mapping) and all(isinstance(k, str) for k in value):
        return {k: _to_json(v) for k, v in value.items()}
    cls = type(value)
    if attrs.has(cls) or dataclasses.is_dataclass(cls):
        return {key: _to_json(getattr(value, name)) for name, key, *_ in _class_members(cls)}
    raise _NotJSONError


def render_schema(shape: Shape, defs: dict[str, Any]) -> dict[str, Any]:  # noqa: C901, PLR0911, PLR0912 - one case per shape
    """
    Return the JSON Schema (Draft 2020-12) of a shape.

    Args:
        shape: The shape.
        defs: Where class schemas go, by ``$defs`` name; filled as classes are met.

    Returns:
        The schema; classes appear as ``{"$ref": "#/$defs/Name"}``.
    """
    match shape:
        case AnyShape():
            return {}
        case ScalarShape(json_type=json_type):
            return {"type": json_type}
        case LiteralShape(values=values):
            return _enum_schema([v.value if isinstance(v, enum.Enum) else v for v in values])
        case EnumShape(cls=cls):
            return _enum_schema([m.value for m in cls])
        case ArrayShape(item=item):
            schema: dict[str, Any] = {"type": "array"}
            if not isinstance(item, AnyShape):
                schema["items"] = render_schema(item, defs)
            if shape.unique:
                schema["uniqueItems"] = True
            return schema
        case TupleShape(items=()):
            return {"type": "array", "maxItems": 0}
        case TupleShape(items=items):
            prefix = [render_schema(item, defs) for item in items]
            size = len(items)
            return {"type": "array", "prefixItems": prefix, "minItems": size, "maxItems": size}
        case MappingShape(value=AnyShape()):
            return {"type": "object"}
        case MappingShape(value=value):
            return {"type": "object", "additionalProperties": render_schema(value, defs)}
        case UnionShape(options=options):
            return {"anyOf": [render_schema(option, defs) for option in options]}
        case DescribedShape(inner=inner, description=description):
            return {**render_schema(inner, defs), "description": description}
        case _:  # a ClassShape, the only shape left
            if shape.def_name not in defs:
                defs[shape.def_name] = {}  # reserved first: the class may refer to itself
                body = render_object(shape.body, defs)
                if shape.description:
                    body["description"] = shape.description
                defs[shape.def_name] = body
            return {"$ref": f"#/$defs/{shape.def_name}"}


def render_object(shape: ObjectShape, defs: dict[str, Any]) -> dict[str, Any]:
    """
    Return the object schema of a tool's input or a class's fields.

    Args:
        shape: The object's fields.
        defs: Where class schemas go (see :func:`render_schema`).

    Returns:
        ``{"type": "object", "properties", "required", "additionalProperties": false}``.
    """
    properties: dict[str, Any] = {}
    for member in shape.fields:
        schema = render_schema(member.shape, defs)
        if member.description and "description" not in schema:
            schema["description"] = member.description
        default = json_default(member.default)
        if default is not MISSING:
            schema["default"] = default
        properties[member.name] = schema
    return {
        "type": "object",
        "properties": properties,
        "required": [member.name for member in shape.fields if not member.optional],
        "additionalProperties": False,
    }
