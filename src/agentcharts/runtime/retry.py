"""
Retry policies: which failures are retried, how often, and how long to wait in between.

:class:`RetryPolicy` is frozen, validated data. :func:`classify_error` sorts an exception into
an :data:`ErrorKind` by its type first (and by its HTTP status), and reads its message only
as a last resort. :func:`retry_after_seconds` reads a server's ``Retry-After``.

.. versionadded:: 0.1
"""

from __future__ import annotations

import errno
import math
import random
import re
import socket
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Final, Literal, Self, get_args

import attrs
from attrs import field, frozen

from agentcharts.exceptions import InvalidSettingError
from agentcharts.runtime.models._http_errors import retry_after_seconds as _parse_retry_after

__all__ = [
    "ERROR_KINDS",
    "ErrorKind",
    "RetryPolicy",
    "classify_error",
    "retry_after_seconds",
]

ErrorKind = Literal["timeout", "rate_limit", "connection_error", "server_error", "error"]
"""What kind of failure an attempt ended with; ``"error"`` is everything else."""

ERROR_KINDS: Final[frozenset[str]] = frozenset(get_args(ErrorKind))
"""Every :data:`ErrorKind`, the values ``RetryPolicy.retry_on`` may hold."""

_DEFAULT_RETRY_ON: Final = frozenset({"timeout", "rate_limit", "connection_error"})


def _kinds(value: Iterable[str]) -> frozenset[str]:
    """Convert ``retry_on`` to a frozenset, refusing a bare string and unknown kinds."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidSettingError("retry_on", value, f"a collection of {_known()}")
    try:
        kinds = frozenset(value)
    except TypeError:  # unhashable members
        raise InvalidSettingError("retry_on", value, f"a collection of {_known()}") from None
    if any(k not in ERROR_KINDS for k in kinds):
        raise InvalidSettingError("retry_on", value, f"a collection of {_known()}")
    return kinds


def _known() -> str:
    return ", ".join(repr(k) for k in sorted(ERROR_KINDS))


def _number(value: object) -> bool:
    """Whether ``value`` is a finite int or float (a bool is not a number here)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_attempt(attempt: object) -> None:
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise InvalidSettingError("attempt", attempt, "an int >= 1 (the attempt that failed)")


@frozen
class RetryPolicy:
    """
    How failed attempts of a call are retried: how many, which kinds, and the backoff.

    The wait after the failed attempt ``n`` (1-based) is::

        delay_ms = min(initial_delay_ms * backoff_factor ** (n - 1), max_delay_ms)

    so the first retry waits ``initial_delay_ms``. With ``jitter`` the delay moves by a
    random amount within ``±jitter_factor * delay_ms`` and is then clamped to
    ``[0, max_delay_ms]``. A server's ``Retry-After`` raises the delay to at least that many
    seconds, still capped at ``max_delay_ms``.

    .. versionadded:: 0.1
    """

    max_attempts: int = 3
    """How many attempts run in all (the first one included); at least 1."""
    backoff_factor: float = 2.0
    """How much each wait grows over the previous one; at least 1."""
    initial_delay_ms: float = 1000
    """The wait before the first retry, in milliseconds; at least 0."""
    max_delay_ms: float = 30000
    """The longest wait, in milliseconds, jitter and ``Retry-After`` included."""
    retry_on: frozenset[str] = field(default=_DEFAULT_RETRY_ON, converter=_kinds)
    """The :data:`ErrorKind` values that are retried (any iterable of them is accepted)."""
    jitter: bool = False
    """Whether to spread the waits randomly, so that many callers do not retry in step."""
    jitter_factor: float = 0.25
    """The jitter's spread, as a fraction of the delay; between 0 and 1."""

    def __attrs_post_init__(self) -> None:
        """
        Check every field.

        Raises:
            InvalidSettingError: A field is out of its range.
        """
        if (
            isinstance(self.max_attempts, bool)
            or not isinstance(self.max_attempts, int)
            or self.max_attempts < 1
        ):
            raise InvalidSettingError("max_attempts", self.max_attempts, "an int >= 1")
        if not _number(self.backoff_factor) or self.backoff_factor < 1:
            raise InvalidSettingError("backoff_factor", self.backoff_factor, "a number >= 1")
        if not _number(self.initial_delay_ms) or self.initial_delay_ms < 0:
            raise InvalidSettingError("initial_delay_ms", self.initial_delay_ms, "a number >= 0")
        if not _number(self.max_delay_ms) or self.max_delay_ms < self.initial_delay_ms:
            raise InvalidSettingError(
                "max_delay_ms", self.max_delay_ms, "a number >= initial_delay_ms"
            )
        if not isinstance(self.jitter, bool):
            raise InvalidSettingError("jitter", self.jitter, "True or False")
        if not _number(self.jitter_factor) or not 0 <= self.jitter_factor <= 1:
            raise InvalidSettingError("jitter_factor", self.jitter_factor, "a number in [0, 1]")

    def should_retry(self, kind: str, attempt: int) -> bool:
        """
        Decide whether another attempt follows a failed one.

        Args:
            kind: The :data:`ErrorKind` of the failure.
            attempt: The 1-based number of the attempt that just failed.

        Returns:
            True when ``kind`` is in ``retry_on`` and ``attempt < max_attempts``.

        Raises:
            InvalidSettingError: ``attempt`` is not an int >= 1.
        """
        _check_attempt(attempt)
        return kind in self.retry_on and attempt < self.max_attempts

    def get_delay_ms(
        self,
        attempt: int,
        *,
        retry_after_s: float | None = None,
        rng: random.Random | None = None,
    ) -> float:
        """
        Return how long to wait after a failed attempt, in milliseconds.

        Args:
            attempt: The 1-based number of the attempt that just failed.
            retry_after_s: A server's ``Retry-After`` in seconds: the wait is at least that.
            rng: The random source for jitter (the ``random`` module's by default).

        Returns:
            ``min(initial_delay_ms * backoff_factor ** (attempt - 1), max_delay_ms)``, with
            jitter and ``Retry-After`` applied, always within ``[0, max_delay_ms]``.

        Raises:
            InvalidSettingError: ``attempt`` or ``retry_after_s`` is out of range.
        """
        _check_attempt(attempt)
        if retry_after_s is not None and (not _number(retry_after_s) or retry_after_s < 0):
            raise InvalidSettingError("retry_after_s", retry_after_s, "a number >= 0, or None")
        cap = float(self.max_delay_ms)
        try:
            delay = min(self.initial_delay_ms * self.backoff_factor ** (attempt - 1), cap)
        except OverflowError:
            delay = cap
        if self.jitter and delay > 0:
            spread = delay * self.jitter_factor
            source: Any = random if rng is None else rng
            delay = min(max(delay + source.uniform(-spread, spread), 0.0), cap)
        if retry_after_s is not None:
            delay = min(max(delay, retry_after_s * 1000), cap)
        return float(delay)

    def to_dict(self) -> dict[str, Any]:
        """
        Return the policy as JSON-ready data (``retry_on`` as a sorted list).

        Returns:
            One key per field; :meth:`from_dict` reads it back.
        """
        return {
            "max_attempts": self.max_attempts,
            "backoff_factor": self.backoff_factor,
            "initial_delay_ms": self.initial_delay_ms,
            "max_delay_ms": self.max_delay_ms,
            "retry_on": sorted(self.retry_on),
            "jitter": self.jitter,
            "jitter_factor": self.jitter_factor,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """
        Build a policy from data like :meth:`to_dict`'s; missing keys take their defaults.

        Args:
            data: The fields by name.

        Returns:
            The validated policy.

        Raises:
            InvalidSettingError: ``data`` is not a mapping, has an unknown key, or a value
                is out of range.
        """
        if not isinstance(data, Mapping):
            raise InvalidSettingError("retry_policy", data, "a mapping of RetryPolicy fields")
        known = _POLICY_KEYS
        for key in data:
            if key not in known:
                raise InvalidSettingError(
                    "a retry_policy key", key, "one of " + ", ".join(sorted(known))
                )
        return cls(**data)


_POLICY_KEYS: Final = frozenset(a.name for a in attrs.fields(RetryPolicy))

_CONNECTION_ERRNOS: Final = frozenset(
    code
    for code in (
        getattr(errno, name, None)
        for name in (
            "ECONNREFUSED",
            "ECONNRESET",
            "ECONNABORTED",
            "ENETUNREACH",
            "ENETDOWN",
            "ENETRESET",
            "EHOSTUNREACH",
            "EHOSTDOWN",
            "EPIPE",
            "ENOTCONN",
            "EADDRNOTAVAIL",
        )
    )
    if code is not None
)
"""OS error numbers that mean the network or the peer failed."""

_TEXT_RULES: Final[tuple[tuple[ErrorKind, tuple[str, ...]], ...]] = (
    ("rate_limit", ("rate limit", "rate-limit", "ratelimit", "too many requests")),
    (
        "server_error",
        ("internal server error", "bad gateway", "service unavailable", "gateway timeout"),
    ),
    ("timeout", ("timed out", "timeout", "deadline exceeded")),
    (
        "connection_error",
        (
            "connection refused",
            "connection reset",
            "connection aborted",
            "connection error",
            "could not connect",
            "network is unreachable",
            "name or service not known",
            "temporary failure in name resolution",
            "broken pipe",
        ),
    ),
)
"""Phrases of the last-resort classification by message, checked in this order."""

_NAME_RULES: Final[tuple[tuple[ErrorKind, frozenset[tuple[str, ...]]], ...]] = (
    ("rate_limit", frozenset({("ratelimit",), ("rate", "limit"), ("throttled",)})),
    ("timeout", frozenset({("timeout",), ("timed", "out")})),
    ("connection_error", frozenset({("connect",), ("connection",)})),
)
"""Whole words (or runs of words) of an exception's class name that give away its kind:
``ReadTimeout`` and ``ConnectError`` do, ``DisconnectedError`` and ``TimeoutsConfig`` do not."""

_WORDS: Final = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
"""The words of a CamelCase class name (``APIRateLimitError``: API, Rate, Limit, Error)."""

PROGRAMMING_ERRORS: Final = (
    ArithmeticError,
    AssertionError,
    AttributeError,
    ImportError,
    LookupError,
    NameError,
    TypeError,
    ValueError,
)
"""Builtin errors that mean a bug in the calling code: never read by name or message."""


def _attr(obj: object, name: str) -> Any:
    """Read an attribute that may be missing or may raise; ``None`` if unreadable."""
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 - a failing property says nothing about the error kind
        return None


def _status_of(exc: BaseException) -> int | None:
    """Return an HTTP status from ``status_code``/``status`` on the error or its response."""
    for holder in (exc, _attr(exc, "response")):
        if holder is None:
            continue
        for name in ("status_code", "status"):
            value = _attr(holder, name)
            if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:  # noqa: PLR2004
                return value
    return None


def _kind_by_type(exc: BaseException) -> ErrorKind | None:
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, OSError):
        if exc.errno == errno.ETIMEDOUT:
            return "timeout"
        network = isinstance(exc, ConnectionError | socket.gaierror | socket.herror)
        if network or exc.errno in _CONNECTION_ERRNOS:
            return "connection_error"
    return None


def _kind_by_status(status: int) -> ErrorKind:
    if status == 429:  # noqa: PLR2004 - Too Many Requests
        return "rate_limit"
    if status == 408:  # noqa: PLR2004 - Request Timeout
        return "timeout"
    return "server_error" if 500 <= status <= 599 else "error"  # noqa: PLR2004


def _kind_by_text(exc: BaseException) -> ErrorKind:
    words = tuple(word.lower() for word in _WORDS.findall(type(exc).__name__))
    for kind, runs in _NAME_RULES:
        for run in runs:
            width = len(run)
            if any(words[i : i + width] == run for i in range(len(words) - width + 1)):
                return kind
    text = str(exc).lower()
    for kind, phrases in _TEXT_RULES:
        if any(p in text for p in phrases):
            return kind
    return "error"


def classify_error(exc: BaseException) -> ErrorKind:
    """
    Sort an exception into an :data:`ErrorKind`, by type first and by message last.

    The order is:

    1. ``TimeoutError`` (``asyncio.TimeoutError``, ``ToolTimeoutError``,
       ``ModelTimeoutError``...) and an ``OSError`` with ``errno.ETIMEDOUT``: ``"timeout"``.
    2. ``ConnectionError``, ``socket.gaierror``/``herror`` and an ``OSError`` whose errno
       is a network failure (``ECONNREFUSED``, ``ECONNRESET``, ``ENETUNREACH``,
       ``EHOSTUNREACH``, ``EPIPE``...): ``"connection_error"``.
    3. An int ``status_code`` or ``status`` on the error or on its ``response``: 429 is
       ``"rate_limit"``, 408 ``"timeout"``, 500-599 ``"server_error"``, anything else
       ``"error"`` (the status settles it; the message is not read).
    4. A builtin programming error (:data:`PROGRAMMING_ERRORS`: ``ValueError``, ``KeyError``,
       ``TypeError``, ``AttributeError``, ``LookupError``, ``AssertionError``, ``NameError``,
       ``ArithmeticError``, ``ImportError`` and their subclasses) is ``"error"``: a bug is
       never retried because its message happens to say "timeout".
    5. The class name, by whole CamelCase words: ``RateLimit`` or ``Throttled``, ``Timeout``
       or ``TimedOut``, ``Connect`` or ``Connection`` (``ReadTimeout`` and ``ConnectError``
       count; ``DisconnectedError`` does not).
    6. The message: phrases such as "rate limit", "timed out", "connection reset".

    Anything else is ``"error"``. An exception with an empty message is still a failure.

    Args:
        exc: The exception an attempt raised.

    Returns:
        Its kind.
    """
    kind = _kind_by_type(exc)
    if kind is not None:
        return kind
    status = _status_of(exc)
    if status is not None:
        return _kind_by_status(status)
    if isinstance(exc, PROGRAMMING_ERRORS):
        return "error"
    return _kind_by_text(exc)


def _header(headers: Any, name: str) -> Any:
    """Look a header up case-insensitively in a mapping or a headers object."""
    getter = _attr(headers, "get")
    if callable(getter):
        for key in (name, name.lower()):
            try:
                value = getter(key)
            except Exception:  # noqa: BLE001, S112 - an odd headers object: try the next way
                continue
            if value is not None:
                return value
    if isinstance(headers, Mapping):
        for key, value in headers.items():
            if isinstance(key, str) and key.lower() == name.lower():
                return value
    return None


def _seconds(value: Any) -> float | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str):
        return _parse_retry_after(value)
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if _number(value):
        return max(float(value), 0.0)
    return None


def retry_after_seconds(exc: BaseException) -> float | None:
    """
    Read how long a server asked the caller to wait before retrying.

    Looks at a ``retry_after`` attribute (seconds, a ``timedelta`` or header text), then at
    a ``Retry-After`` header in ``exc.headers`` or ``exc.response.headers``. A header is a
    number of seconds or an HTTP date.

    Args:
        exc: The exception an attempt raised.

    Returns:
        The delay in seconds (never negative), or ``None`` when there is none.
    """
    found = _seconds(_attr(exc, "retry_after"))
    if found is not None:
        return found
    for holder in (exc, _attr(exc, "response")):
        headers = _attr(holder, "headers") if holder is not None else None
        if headers is not None:
            found = _seconds(_header(headers, "Retry-After"))
            if found is not None:
                return found
    return None
