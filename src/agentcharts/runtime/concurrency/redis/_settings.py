"""Settings checks and small helpers of the Redis-backed registry."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit, urlunsplit

from agentcharts.exceptions import DefinitionError, InvalidSettingError

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "MIN_LEASE_S",
    "check_name",
    "check_seconds",
    "check_timeout",
    "import_redis",
    "redact",
    "running_loop",
]

MIN_LEASE_S: Final = 0.1
"""The shortest lease a registry accepts, in seconds."""


def import_redis() -> ModuleType:
    """Import redis-py, or explain which extra to install."""
    try:
        import redis  # noqa: PLC0415 - an optional dependency, imported when first needed
    except ImportError as error:
        raise DefinitionError(
            "RedisConcurrencyRegistry needs redis-py: pip install 'agentcharts[redis]'"
        ) from error
    return redis


def redact(url: str) -> str:
    """
    Return a URL without its password, for messages and reprs.

    Args:
        url: A Redis URL.

    Returns:
        The URL with the password replaced by ``***``.
    """
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.netloc.rsplit("@", 1)[-1]
        user = f"{parts.username}:***@" if parts.username else ":***@"
        return urlunsplit(parts._replace(netloc=user + host))
    except ValueError:
        return "<unparsable url>"


def check_name(name: object) -> str:
    """
    Check a limit's name.

    Args:
        name: What the caller passed.

    Returns:
        The name.

    Raises:
        InvalidSettingError: It is not a non-empty string.
    """
    if not isinstance(name, str) or not name:
        raise InvalidSettingError("name", name, "a non-empty string")
    return name


def check_timeout(timeout: object) -> None:
    """
    Check an acquire timeout.

    Args:
        timeout: What the caller passed.

    Raises:
        InvalidSettingError: It is not ``None`` or a finite number of seconds >= 0.
    """
    if timeout is None:
        return
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not (math.isfinite(timeout) and timeout >= 0)
    ):
        raise InvalidSettingError("timeout", timeout, "a number of seconds >= 0, or None")


def check_seconds(setting: str, value: object, *, least: float, below: float | None) -> float:
    """
    Check a duration setting.

    Args:
        setting: The setting's name.
        value: What the caller passed.
        least: The smallest value allowed (0 means: more than 0).
        below: The value it must stay under, if any.

    Returns:
        The duration as a float.

    Raises:
        InvalidSettingError: It is not a finite number in range.
    """
    bounds = [f"at least {least:g}" if least > 0 else "more than 0"]
    if below is not None:
        bounds.append(f"less than {below:g}")
    expected = "a number of seconds, " + " and ".join(bounds)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidSettingError(setting, value, expected)
    if value <= 0 or value < least or (below is not None and value >= below):
        raise InvalidSettingError(setting, value, expected)
    return float(value)


def running_loop() -> asyncio.AbstractEventLoop | None:
    """Return the loop running in this thread, or ``None`` (cheaply, without raising)."""
    return asyncio.events._get_running_loop()  # noqa: SLF001 - asyncio's own cheap check
