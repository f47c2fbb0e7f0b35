"""
The hooks of the persisted format: strict leaves, JSON values, containers and records.

Structuring hooks raise :class:`~agentcharts.schemas._problems.InvalidValueError` (or let
cattrs collect their errors in its validation tree); unstructuring hooks raise
:class:`~agentcharts.exceptions.SnapshotEncodeError`, each container adding its own segment
to the error's path on the way out.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

import attrs
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn

from agentcharts.exceptions import SnapshotEncodeError
from agentcharts.schemas import _leaves
from agentcharts.schemas._problems import (
    InvalidValueError,
    NotJSONError,
    copy_json_value,
    join_path,
    short_repr,
)

if TYPE_CHECKING:
    from cattrs import Converter

__all__ = ["StructureHook", "UnstructureHook", "register_hooks"]

StructureHook = Callable[[Any, Any], Any]
"""A cattrs structure hook: ``(value, type) -> structured``."""
UnstructureHook = Callable[[Any], Any]
"""A cattrs unstructure hook: ``value -> JSON data``."""


def register_hooks(converter: Converter) -> None:
    """
    Register the leaf and container hooks of the persisted format.

    Args:
        converter: The converter to configure.
    """
    _register_leaves(converter)
    _Hooks(converter).register()


# --------------------------------------------------------------------------- leaves


def _encoding(check: Callable[[Any], Any]) -> UnstructureHook:
    """Turn a leaf check into an unstructure hook that raises the encode error."""

    def hook(value: Any) -> Any:
        try:
            return check(value)
        except InvalidValueError as error:
            raise SnapshotEncodeError("", error.problem) from None

    return hook


def _decoding(check: Callable[[Any], Any]) -> StructureHook:
    """Turn a leaf check into a structure hook."""
    return lambda value, _type: check(value)


def _is_enum(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, enum.Enum)


def _is_literal(t: Any) -> bool:
    return get_origin(t) is Literal


def _enum_encoder(enum_type: type[enum.Enum]) -> UnstructureHook:
    return _encoding(lambda v: _leaves.enum_member(v, enum_type).value)


def _any_enum_value(value: Any) -> Any:
    if not isinstance(value, enum.Enum):
        raise SnapshotEncodeError("", f"expected an enum member, got {short_repr(value)}")
    return value.value


def _register_leaves(converter: Converter) -> None:
    checks: dict[type, Callable[[Any], Any]] = {
        str: _leaves.check_str,
        int: _leaves.check_int,
        float: _leaves.check_float,
        bool: _leaves.check_bool,
    }
    for leaf_type, check in checks.items():
        converter.register_structure_hook(leaf_type, _decoding(check))
        converter.register_unstructure_hook(leaf_type, _encoding(check))
    converter.register_structure_hook(datetime, _decoding(_leaves.parse_datetime))
    converter.register_unstructure_hook(datetime, _encoding(_leaves.utc_datetime))
    # cattrs dispatches classes through functools.singledispatch first, which would hand a
    # StrEnum to the str hook: the enum bases are registered there too. Unstructure hooks
    # get no type, so record fields resolve their enum encoder themselves (_Hooks.encoder).
    for base in (enum.Enum, enum.StrEnum, enum.IntEnum):
        converter.register_structure_hook(base, _leaves.enum_member)
        converter.register_unstructure_hook(base, _any_enum_value)
    converter.register_structure_hook_factory(
        _is_literal, lambda t: _decoding(_leaves.literal_check(t))
    )
    converter.register_unstructure_hook_factory(
        _is_literal, lambda t: _encoding(_leaves.literal_check(t))
    )
    converter.register_structure_hook_func(lambda t: t is Any, _structure_json)
    converter.register_unstructure_hook_func(lambda t: t is Any, _unstructure_json)


def _structure_json(value: Any, _type: Any) -> Any:
    return copy_json_value(value)


def _unstructure_json(value: Any) -> Any:
    try:
        return copy_json_value(value)
    except NotJSONError as error:
        raise SnapshotEncodeError(error.subpath, error.problem) from None
    except RecursionError:
        problem = "the value is nested too deeply, or contains itself"
        raise SnapshotEncodeError("", problem) from None


# --------------------------------------------------------------------------- containers


def _is_sequence(t: Any) -> bool:
    args = get_args(t)
    if get_origin(t) is list:
        return len(args) == 1
    return get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis  # noqa: PLR2004


def _is_str_mapping(t: Any) -> bool:
    return get_origin(t) is dict and get_args(t)[:1] == (str,)


def _is_optional(t: Any) -> bool:
    args = get_args(t)
    is_union = get_origin(t) in (Union, types.UnionType)
    return is_union and len(args) == 2 and type(None) in args  # noqa: PLR2004


def _optional_inner(t: Any) -> Any:
    return next(a for a in get_args(t) if a is not type(None))


def _within(segment: str | int, error: SnapshotEncodeError) -> SnapshotEncodeError:
    """Return the same encode error, one level further out."""
    return SnapshotEncodeError(join_path(segment, error.path), error.problem)


def _collected(errors: list[Exception], t: Any) -> IterableValidationError:
    return IterableValidationError(f"While structuring {t!r}", errors, t)


class _Hooks:
    """The container hooks: sequences, string-keyed mappings, optionals and records."""

    def __init__(self, converter: Converter) -> None:
        self.converter = converter

    def register(self) -> None:
        """Register every container hook factory on the converter."""
        conv = self.converter
        conv.register_structure_hook_factory(_is_sequence, self.structure_sequence)
        conv.register_structure_hook_factory(_is_str_mapping, self.structure_mapping)
        conv.register_structure_hook_factory(_is_optional, self.structure_optional)
        conv.register_structure_hook_factory(attrs.has, self.structure_record)
        conv.register_unstructure_hook_factory(_is_sequence, self.unstructure_sequence)
        conv.register_unstructure_hook_factory(_is_str_mapping, self.unstructure_mapping)
        conv.register_unstructure_hook_factory(_is_optional, self.unstructure_optional)
        conv.register_unstructure_hook_factory(attrs.has, self.unstructure_record)

    def encoder(self, t: Any) -> UnstructureHook:
        """Return the unstructure hook of ``t`` (enums get one that knows their type)."""
        if _is_enum(t):
            return _enum_encoder(t)
        return self.converter.get_unstructure_hook(t)

    def structure_sequence(self, t: Any) -> StructureHook:
        item_type = get_args(t)[0]
        decode = self.converter.get_structure_hook(item_type)
        make: Callable[[list[Any]], Any] = tuple if get_origin(t) is tuple else list

        def hook(value: Any, _type: Any) -> Any:
            if not isinstance(value, list | tuple):
                raise InvalidValueError(f"expected an array, got {short_repr(value)}")
            items, errors = [], []
            for index, element in enumerate(value):
                try:
                    items.append(decode(element, item_type))
                except Exception as error:  # noqa: BLE001 - collected, as cattrs does
                    error.add_note(IterableValidationNote(f"@ index {index}", index, item_type))
                    errors.append(error)
            if errors:
                raise _collected(errors, t)
            return make(items)

        return hook

    def structure_mapping(self, t: Any) -> StructureHook:
        value_type = get_args(t)[1]
        decode = self.converter.get_structure_hook(value_type)

        def hook(value: Any, _type: Any) -> Any:
            if not isinstance(value, dict):
                raise InvalidValueError(f"expected an object, got {short_repr(value)}")
            result, errors = {}, []
            for key, element in value.items():
                try:
                    result[_leaves.check_str(key)] = decode(element, value_type)
                except Exception as error:  # noqa: BLE001 - collected, as cattrs does
                    error.add_note(IterableValidationNote(f"@ key {key!r}", key, value_type))
                    errors.append(error)
            if errors:
                raise _collected(errors, t)
            return result

        return hook

    def structure_optional(self, t: Any) -> StructureHook:
        inner = _optional_inner(t)
        decode = self.converter.get_structure_hook(inner)
        return lambda value, _type: None if value is None else decode(value, inner)

    def structure_record(self, cl: type) -> StructureHook:
        generated: StructureHook = make_dict_structure_fn(cl, self.converter)

        def hook(value: Any, _type: Any) -> Any:
            if not isinstance(value, dict):
                raise InvalidValueError(f"expected an object, got {short_repr(value)}")
            return generated(value, cl)

        return hook

    def unstructure_sequence(self, t: Any) -> UnstructureHook:
        encode = self.encoder(get_args(t)[0])

        def hook(value: Any) -> Any:
            if not isinstance(value, list | tuple):
                problem = f"expected a list or tuple, got {short_repr(value)}"
                raise SnapshotEncodeError("", problem)
            items = []
            for index, element in enumerate(value):
                try:
                    items.append(encode(element))
                except SnapshotEncodeError as error:
                    raise _within(index, error) from None
            return items

        return hook

    def unstructure_mapping(self, t: Any) -> UnstructureHook:
        encode = self.encoder(get_args(t)[1])

        def hook(value: Any) -> Any:
            if not isinstance(value, dict):
                raise SnapshotEncodeError("", f"expected a dict, got {short_repr(value)}")
            result = {}
            for key, element in value.items():
                if not isinstance(key, str):
                    problem = f"keys must be strings, got {short_repr(key)}"
                    raise SnapshotEncodeError("", problem)
                try:
                    result[key] = encode(element)
                except SnapshotEncodeError as error:
                    raise _within(key, error) from None
            return result

        return hook

    def unstructure_optional(self, t: Any) -> UnstructureHook:
        encode = self.encoder(_optional_inner(t))
        return lambda value: None if value is None else encode(value)

    def unstructure_record(self, cl: type) -> UnstructureHook:
        fields = attrs.fields(attrs.resolve_types(cl))
        # resolved on first use: records refer to themselves (a node holds a graph), so
        # their field hooks cannot all exist before this one does
        plan: list[tuple[str, UnstructureHook]] = []

        def hook(value: Any) -> Any:
            if not plan:  # a whole-list assignment, so a racing thread sees all or nothing
                plan[:] = [(f.name, self.encoder(f.type)) for f in fields]
            if not isinstance(value, cl):
                problem = f"expected a {cl.__name__}, got {short_repr(value)}"
                raise SnapshotEncodeError("", problem)
            result = {}
            for name, encode in plan:
                try:
                    result[name] = encode(getattr(value, name))
                except SnapshotEncodeError as error:
                    raise _within(name, error) from None
            return result

        return hook
