"""The one rule for session ids, shared by every store.

Session ids often come from untrusted input (a URL, a chat thread id), and the file store
turns them into file names. The rule is strict enough that an id can never name a path
outside the store's directory, on any platform, and stays the same in every store, so a
session can move between stores.
"""

from __future__ import annotations

import re

from agentcharts.exceptions import InvalidSessionIdError

__all__ = ["MAX_SESSION_ID_LENGTH", "validate_session_id"]

MAX_SESSION_ID_LENGTH = 128
"""The longest session id a store accepts, in characters."""

_FIRST = re.compile(r"[A-Za-z0-9]")
_ALLOWED = re.compile(r"[A-Za-z0-9._-]+")
_DISALLOWED = re.compile(r"[^A-Za-z0-9._-]")


def validate_session_id(session_id: object) -> str:
    r"""
    Check that a session id is safe to use as a key and a file name, and return it.

    The rule: a ``str`` of 1 to 128 characters, only ASCII letters, digits, ``.``, ``_``
    and ``-``, starting with a letter or a digit, and without ``..``. So ``"../x"``,
    ``"a/b"``, ``"C:\x"``, ``".hidden"``, ``""`` and ids with NUL or other control
    characters are refused.

    Args:
        session_id: The id to check; anything, since ids come from untrusted input.

    Returns:
        The id as a plain ``str`` (a ``str`` subclass is turned into a plain ``str``).

    Raises:
        InvalidSessionIdError: The id breaks the rule; ``reason`` says which part.

    .. versionadded:: 0.1
    """
    if not isinstance(session_id, str):
        raise InvalidSessionIdError(session_id, f"must be a str, got {type(session_id).__name__}")
    value = str.__str__(session_id)
    if not value:
        raise InvalidSessionIdError(value, "must not be empty")
    if len(value) > MAX_SESSION_ID_LENGTH:
        raise InvalidSessionIdError(
            value, f"must be at most {MAX_SESSION_ID_LENGTH} characters, got {len(value)}"
        )
    if not _ALLOWED.fullmatch(value):
        bad = _DISALLOWED.search(value)
        shown = repr(bad.group()) if bad else "a character"
        raise InvalidSessionIdError(
            value, f"may hold only ASCII letters, digits, '.', '_' and '-', not {shown}"
        )
    if not _FIRST.match(value):
        raise InvalidSessionIdError(value, "must start with an ASCII letter or digit")
    if ".." in value:
        raise InvalidSessionIdError(value, "must not contain '..'")
    return value
