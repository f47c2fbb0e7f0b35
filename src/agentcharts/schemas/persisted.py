"""
The versioned envelope of persisted sessions and agents.

A session is stored as::

    {"format": "agentcharts.session", "version": 2, "session": {...}}

an agent on its own as ``{"format": "agentcharts.agent", "version": 2, "agent": {...}}``, and
each entry of a session's journal as ``{"format": "agentcharts.entry", "version": 2,
"entry": {...}}``.
Loading checks the format, refuses a version newer than :data:`CURRENT_VERSION`, migrates an
older one (:mod:`agentcharts.schemas.migrations`), and only then builds the record. Every
problem is a :class:`~agentcharts.exceptions.SnapshotDecodeError` whose path starts at the
envelope (``session.graph.nodes.weather.status``).

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
from typing import Any, Final, Generic, TypeVar

from attrs import frozen

from agentcharts.exceptions import SchemaVersionError, SnapshotDecodeError
from agentcharts.schemas._problems import short_repr
from agentcharts.schemas.converter import parse_json, structure, unstructure
from agentcharts.schemas.migrations import CURRENT_VERSION, migrate
from agentcharts.schemas.records import AgentSnapshot, JournalEntry, SessionRecord

__all__ = [
    "AGENT_FORMAT",
    "CURRENT_VERSION",
    "ENTRY_FORMAT",
    "SESSION_FORMAT",
    "dump_agent",
    "dump_entry",
    "dump_session",
    "load_agent",
    "load_entry",
    "load_session",
]

SESSION_FORMAT: Final = "agentcharts.session"
"""The ``"format"`` of a persisted session; its record is under ``"session"``."""

AGENT_FORMAT: Final = "agentcharts.agent"
"""The ``"format"`` of a persisted agent; its snapshot is under ``"agent"``."""

ENTRY_FORMAT: Final = "agentcharts.entry"
"""The ``"format"`` of one journal entry; its record is under ``"entry"``."""

RecordT = TypeVar("RecordT")


@frozen
class _Envelope(Generic[RecordT]):
    """One kind of persisted document: its format name, payload key and record class."""

    format: str
    """The ``"format"`` value that names this kind of document."""
    payload_key: str
    """The key that holds the record (``"session"``, ``"agent"``)."""
    record_type: type[RecordT]
    """The record class of the payload."""

    def dump(self, record: RecordT) -> str:
        document = {
            "format": self.format,
            "version": CURRENT_VERSION,
            self.payload_key: unstructure(record, as_type=self.record_type),
        }
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))

    def load(self, text: str | bytes) -> RecordT:
        document = parse_json(text)
        if not isinstance(document, dict):
            problem = f"expected an object (an {self.format} document), got {short_repr(document)}"
            raise SnapshotDecodeError([("", problem)])
        if "format" not in document:
            problem = f"required field missing (expected {self.format!r})"
            raise SnapshotDecodeError([("format", problem)])
        if document["format"] != self.format:
            problem = f"expected {self.format!r}, got {short_repr(document['format'])}"
            raise SnapshotDecodeError([("format", problem)])
        version = document.get("version")
        if isinstance(version, bool) or not isinstance(version, int):
            raise SchemaVersionError(version, CURRENT_VERSION)
        if version != CURRENT_VERSION:  # at the current version there is nothing to copy
            document = migrate(document, from_version=version)
        key = self.payload_key
        problems = [(k, "unknown key") for k in document if k not in {"format", "version", key}]
        if key not in document:
            problems.append((key, "required field missing"))
        if problems:
            raise SnapshotDecodeError(problems)
        payload: Any = document[key]
        return structure(payload, self.record_type, path=key)


_SESSION = _Envelope(SESSION_FORMAT, "session", SessionRecord)
_AGENT = _Envelope(AGENT_FORMAT, "agent", AgentSnapshot)
_ENTRY = _Envelope(ENTRY_FORMAT, "entry", JournalEntry)


def dump_session(record: SessionRecord) -> str:
    """
    Write a session as a versioned JSON document.

    Args:
        record: The session.

    Returns:
        ``{"format": "agentcharts.session", "version": 1, "session": {...}}`` as compact JSON.

    Raises:
        SnapshotEncodeError: The record holds a value the format cannot store; the path
            starts inside the record (``graph.nodes.weather.agent.state.when``).

    .. versionadded:: 0.1
    """
    return _SESSION.dump(record)


def load_session(text: str | bytes) -> SessionRecord:
    """
    Read a session written by :func:`dump_session`, at this or an older format version.

    Args:
        text: The JSON document.

    Returns:
        The session.

    Raises:
        SchemaVersionError: The version is missing, not an integer, below 1, newer than
            :data:`CURRENT_VERSION`, or has no migration path.
        SnapshotDecodeError: The text is not JSON, is not a session document, or does not
            fit the records; every problem is listed with its path.

    .. versionadded:: 0.1
    """
    return _SESSION.load(text)


def dump_agent(snapshot: AgentSnapshot) -> str:
    """
    Write an agent's snapshot as a versioned JSON document.

    Args:
        snapshot: The agent's state.

    Returns:
        ``{"format": "agentcharts.agent", "version": 1, "agent": {...}}`` as compact JSON.

    Raises:
        SnapshotEncodeError: The snapshot holds a value the format cannot store.

    .. versionadded:: 0.1
    """
    return _AGENT.dump(snapshot)


def load_agent(text: str | bytes) -> AgentSnapshot:
    """
    Read an agent's snapshot written by :func:`dump_agent`.

    Args:
        text: The JSON document.

    Returns:
        The agent's snapshot.

    Raises:
        SchemaVersionError: The version is missing, unsupported or has no migration path.
        SnapshotDecodeError: The text is not JSON, is not an agent document, or does not
            fit the records.

    .. versionadded:: 0.1
    """
    return _AGENT.load(text)


def dump_entry(entry: JournalEntry) -> str:
    """
    Write one journal entry as a versioned JSON document.

    Args:
        entry: The entry.

    Returns:
        ``{"format": "agentcharts.entry", "version": 2, "entry": {...}}`` as compact JSON.

    Raises:
        SnapshotEncodeError: The entry holds a value the format cannot store.

    .. versionadded:: 0.2
    """
    return _ENTRY.dump(entry)


def load_entry(text: str | bytes) -> JournalEntry:
    """
    Read a journal entry written by :func:`dump_entry`.

    Args:
        text: The JSON document.

    Returns:
        The entry.

    Raises:
        SchemaVersionError: The version is missing, unsupported or has no migration path.
        SnapshotDecodeError: The text is not JSON, is not an entry, or does not fit the
            records.

    .. versionadded:: 0.2
    """
    return _ENTRY.load(text)
