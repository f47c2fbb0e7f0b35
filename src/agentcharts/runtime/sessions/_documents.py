"""Checks shared by every store: what may be written, and whether what was read is intact.

A store accepts only JSON text and only parses JSON when it reads: nothing is ever
unpickled or evaluated. Every stored document carries the SHA-256 of its UTF-8 bytes, so a
truncated, garbled or hand-edited document is reported as corrupt instead of being handed
to the schema loader.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import UTC, datetime
from typing import NoReturn

from agentcharts.exceptions import CorruptSessionError, InvalidWriteError

__all__ = [
    "check_append_version",
    "check_expected_version",
    "check_stored_version",
    "decode_document",
    "encode_document",
    "encode_entries",
    "format_timestamp",
    "parse_timestamp",
    "sha256_hex",
    "utc_now",
]


def _refuse_constant(name: str) -> NoReturn:
    """Refuse ``NaN``, ``Infinity`` and ``-Infinity``, which ``json`` accepts but JSON lacks."""
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(text: str) -> str | None:
    """Return why ``text`` is not strict JSON, or ``None`` when it is."""
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        return "is nested too deeply to parse"
    except ValueError as error:
        return f"is not valid JSON ({error})"
    return None


def sha256_hex(data: bytes) -> str:
    """
    Return the SHA-256 of ``data`` as 64 lowercase hex digits.

    Args:
        data: The bytes to hash.

    Returns:
        The hex digest.
    """
    return hashlib.sha256(data).hexdigest()


def encode_document(session_id: str, document: object) -> tuple[bytes, str]:
    """
    Check that a document may be stored, and return its UTF-8 bytes and their SHA-256.

    Args:
        session_id: The session it is for (named in the error).
        document: What the caller passed to ``save``.

    Returns:
        ``(utf-8 bytes, sha256 hex digest)``.

    Raises:
        InvalidWriteError: The document is not a ``str``, cannot be encoded as UTF-8
            (a lone surrogate), or is not strict JSON.
    """
    if not isinstance(document, str):
        raise InvalidWriteError(
            session_id, "document", f"must be JSON text (a str), got {type(document).__name__}"
        )
    try:
        data = document.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidWriteError(session_id, "document", f"is not valid text ({error})") from None
    problem = _parse_json(document)
    if problem is not None:
        raise InvalidWriteError(session_id, "document", problem)
    return data, sha256_hex(data)


def decode_document(session_id: str, data: bytes, sha256: object) -> str:
    """
    Check stored bytes against their checksum and parse them as JSON, and return the text.

    Args:
        session_id: The session they belong to (named in the error).
        data: The stored document bytes.
        sha256: The stored checksum (anything: it comes from storage).

    Returns:
        The document text.

    Raises:
        CorruptSessionError: The checksum is missing or does not match, or the bytes are
            not UTF-8 JSON text.
    """
    if not isinstance(sha256, str) or len(sha256) != 64:  # noqa: PLR2004 - hex digits of SHA-256
        raise CorruptSessionError(session_id, f"the stored checksum is unreadable: {sha256!r}")
    if sha256_hex(data) != sha256.lower():
        raise CorruptSessionError(
            session_id, f"the document does not match its sha256 checksum ({len(data)} bytes)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorruptSessionError(session_id, f"the document is not UTF-8 ({error})") from None
    problem = _parse_json(text)
    if problem is not None:
        raise CorruptSessionError(session_id, f"the document {problem}")
    return text


def check_expected_version(session_id: str, expected_version: object) -> int:
    """
    Check an ``expected_version`` argument; ``None`` means 0, the version of no session.

    Args:
        session_id: The session written to (named in the error).
        expected_version: What the caller passed.

    Returns:
        The expected version as an int (0 for a create).

    Raises:
        InvalidWriteError: It is not ``None`` or an int of at least 0 (``bool`` is refused).
    """
    if expected_version is None:
        return 0
    if (
        isinstance(expected_version, bool)
        or not isinstance(expected_version, int)
        or expected_version < 0
    ):
        raise InvalidWriteError(
            session_id,
            "expected_version",
            f"must be None or an int >= 0, got {expected_version!r}",
        )
    return expected_version


def encode_entries(session_id: str, entries: object) -> list[tuple[bytes, str]]:
    """
    Check the entries of an ``append``, and return each one's UTF-8 bytes and SHA-256.

    Args:
        session_id: The session they are for (named in the error).
        entries: What the caller passed to ``append``.

    Returns:
        ``(utf-8 bytes, sha256 hex digest)`` per entry, in order.

    Raises:
        InvalidWriteError: ``entries`` is not a non-empty list or tuple, or an entry is not
            strict JSON text.
    """
    if not isinstance(entries, list | tuple):
        kind = type(entries).__name__
        raise InvalidWriteError(
            session_id, "entries", f"must be a list or tuple of JSON texts, got {kind}"
        )
    if not entries:
        raise InvalidWriteError(session_id, "entries", "must hold at least one entry")
    encoded = []
    for index, entry in enumerate(entries):
        try:
            encoded.append(encode_document(session_id, entry))
        except InvalidWriteError as error:
            raise InvalidWriteError(session_id, f"entries[{index}]", error.reason) from None
    return encoded


def check_append_version(
    session_id: str, expected_version: object, argument: str = "expected_version"
) -> int:
    """
    Check the version of an ``append`` or a ``compact``: an int of at least 1.

    Args:
        session_id: The session written to (named in the error).
        expected_version: What the caller passed.
        argument: The argument's name, for the error.

    Returns:
        The version.

    Raises:
        InvalidWriteError: It is not an int of at least 1 (``bool`` is refused); entries
            are appended to a saved session, never to no session.
    """
    if (
        isinstance(expected_version, bool)
        or not isinstance(expected_version, int)
        or expected_version < 1
    ):
        raise InvalidWriteError(
            session_id, argument, f"must be an int >= 1, got {expected_version!r}"
        )
    return expected_version


def check_stored_version(session_id: str, version: object) -> int:
    """
    Check a version read from storage.

    Args:
        session_id: The session it belongs to (named in the error).
        version: What storage held.

    Returns:
        The version.

    Raises:
        CorruptSessionError: It is not an int of at least 1.
    """
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CorruptSessionError(session_id, f"the stored version is unreadable: {version!r}")
    return version


def utc_now() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """
    Format a timestamp for storage: ISO 8601 in UTC (``2026-01-31T12:00:00.123456+00:00``).

    Args:
        moment: A timezone-aware datetime.

    Returns:
        The ISO 8601 text.
    """
    return moment.astimezone(UTC).isoformat()


def parse_timestamp(session_id: str, text: object) -> datetime:
    """
    Read a stored timestamp back.

    Args:
        session_id: The session it belongs to (named in the error).
        text: What storage held.

    Returns:
        A timezone-aware datetime in UTC.

    Raises:
        CorruptSessionError: It is not an ISO 8601 timestamp with a UTC offset.
    """
    moment: datetime | None = None
    if isinstance(text, str):
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(text)
    if moment is None or moment.tzinfo is None:
        raise CorruptSessionError(
            session_id, f"the stored timestamp is not ISO 8601 with a UTC offset: {text!r}"
        )
    return moment.astimezone(UTC)
