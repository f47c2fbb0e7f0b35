"""
Checks for the leaf values of the persisted format: strings, numbers, enums, date-times.

Each check takes a value and returns it in its canonical form, or raises
:class:`~agentcharts.schemas._problems.InvalidValueError` saying what was expected. The
converter uses the same checks in both directions, so a record that dumps is a record that
loads.
"""

from __future__ import annotations

import enum
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, get_args

from agentcharts.schemas._problems import InvalidValueError, short_repr

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "check_bool",
    "check_float",
    "check_int",
    "check_str",
    "enum_member",
    "literal_check",
    "parse_datetime",
    "utc_datetime",
]

EnumT = TypeVar("EnumT", bound=enum.Enum)


def check_str(value: Any) -> str:
    """
    Accept a string.

    Args:
        value: The value to check.

    Returns:
        The value.

    Raises:
        InvalidValueError: It is not a string.
    """
    if not isinstance(value, str):
        raise InvalidValueError(f"expected a string, got {short_repr(value)}")
    return value


def check_int(value: Any) -> int:
    """
    Accept an integer (``True`` and ``False`` are not integers here).

    Args:
        value: The value to check.

    Returns:
        The value.

    Raises:
        InvalidValueError: It is not an integer.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(f"expected an integer, got {short_repr(value)}")
    return value


def check_float(value: Any) -> float:
    """
    Accept a finite number; integers become floats.

    Args:
        value: The value to check.

    Returns:
        The value as a ``float``.

    Raises:
        InvalidValueError: It is not a number, or it is NaN or infinite.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValueError(f"expected a number, got {short_repr(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidValueError(f"expected a finite number, got {short_repr(value)}")
    return number


def check_bool(value: Any) -> bool:
    """
    Accept ``True`` or ``False``.

    Args:
        value: The value to check.

    Returns:
        The value.

    Raises:
        InvalidValueError: It is not a boolean.
    """
    if not isinstance(value, bool):
        raise InvalidValueError(f"expected true or false, got {short_repr(value)}")
    return value


def enum_member(value: Any, enum_type: type[EnumT]) -> EnumT:
    """
    Find the member of an enum that a value names (a member, or a member's value).

    Args:
        value: A member or the value of one.
        enum_type: The enum.

    Returns:
        The member.

    Raises:
        InvalidValueError: No member has that value; the message lists the values.
    """
    try:
        return enum_type(value)
    except (ValueError, TypeError):
        values = ", ".join(str(m.value) for m in enum_type)
        raise InvalidValueError(f"expected one of {values}; got {short_repr(value)}") from None


def literal_check(literal_type: Any) -> Callable[[Any], Any]:
    """
    Build the check for one ``Literal`` type: its values, compared by type and value.

    Args:
        literal_type: The ``Literal[...]`` type.

    Returns:
        A function that returns a value of the literal, or raises
        :class:`~agentcharts.schemas._problems.InvalidValueError` listing the values.
    """
    allowed = get_args(literal_type)
    keys = {(type(a), a) for a in allowed}
    expected = ", ".join(str(a) for a in allowed)

    def check(value: Any) -> Any:
        try:
            known = (type(value), value) in keys
        except TypeError:  # an unhashable value: a list or a dict
            known = False
        if not known:
            raise InvalidValueError(f"expected one of {expected}; got {short_repr(value)}")
        return value

    return check


def utc_datetime(value: Any) -> str:
    """
    Write a timezone-aware datetime as an ISO 8601 string in UTC.

    Args:
        value: The datetime.

    Returns:
        Its ISO 8601 form with a ``+00:00`` offset.

    Raises:
        InvalidValueError: It is not a datetime, or it is naive (has no timezone).
    """
    if not isinstance(value, datetime):
        raise InvalidValueError(f"expected a datetime, got {short_repr(value)}")
    if value.utcoffset() is None:
        raise InvalidValueError(
            f"expected a timezone-aware datetime (UTC), got the naive {short_repr(value)}"
        )
    return value.astimezone(UTC).isoformat()


def parse_datetime(value: Any) -> datetime:
    """
    Read an ISO 8601 date-time string that carries a UTC offset.

    Args:
        value: The string.

    Returns:
        The datetime, converted to UTC.

    Raises:
        InvalidValueError: It is not a string, not ISO 8601, or has no offset.
    """
    if not isinstance(value, str):
        raise InvalidValueError(f"expected an ISO 8601 date-time string, got {short_repr(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidValueError(
            f"expected an ISO 8601 date-time string, got {short_repr(value)}"
        ) from None
    if parsed.utcoffset() is None:
        raise InvalidValueError(
            f"expected a date-time with a UTC offset (like +00:00), got {short_repr(value)}"
        )
    return parsed.astimezone(UTC)
