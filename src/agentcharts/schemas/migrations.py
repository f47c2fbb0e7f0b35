"""
Migrations of the persisted format: small pure functions, one format version step each.

A document written at version ``N`` is read by applying ``MIGRATIONS[N]``,
``MIGRATIONS[N + 1]``... up to :data:`CURRENT_VERSION`, then structuring the result. A step
receives the whole envelope (``{"format": ..., "version": N, ...}``) of either format
(``agentcharts.session`` or ``agentcharts.agent``), returns the envelope as version ``N + 1``
would have written it, and need not touch ``"version"``: :func:`migrate` sets it.

A step is added whenever the format changes in a way that an old document would not load
as it is: a renamed or removed field, a new required field, a changed meaning. A new field
with a default needs no step, only a version bump if older readers must refuse it.

.. versionadded:: 0.1
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

from agentcharts.exceptions import SchemaVersionError

__all__ = ["CURRENT_VERSION", "MIGRATIONS", "Migration", "migrate"]

CURRENT_VERSION: Final = 2
"""The format version this library writes; documents of older versions are migrated."""

Migration = Callable[[dict[str, Any]], dict[str, Any]]
"""One step: an envelope of version ``N`` in, the same document at version ``N + 1`` out."""


def _journal(document: dict[str, Any]) -> dict[str, Any]:
    """
    Version 1 → 2: sessions became a snapshot plus a journal of entries.

    A version 1 session is a complete snapshot with no journal, which is a valid version 2
    snapshot: the nodes' new fields (``answered``, ``resume_input``) default to "no answer
    received". Version 1 kept an answered node's responses nowhere, so there is nothing to
    carry over. Agent documents did not change.
    """
    return document


MIGRATIONS: Mapping[int, Migration] = MappingProxyType({1: _journal})
"""The step from each version ``N`` to ``N + 1``."""


def migrate(
    document: dict[str, Any],
    *,
    from_version: int,
    migrations: Mapping[int, Migration] = MIGRATIONS,
    current: int = CURRENT_VERSION,
) -> dict[str, Any]:
    """
    Bring a persisted document up to the current format version.

    The document is deep-copied first, so the caller's data is never changed, even by a
    step that edits nested values in place.

    Args:
        document: The parsed envelope.
        from_version: The version the document was written at.
        migrations: The steps to apply, by the version they start from.
        current: The version to reach.

    Returns:
        The document at version ``current`` (a copy, even when no step ran).

    Raises:
        SchemaVersionError: ``from_version`` is not an integer from 1 to ``current``, or a
            step on the way is missing.

    .. versionadded:: 0.1
    """
    if isinstance(from_version, bool) or not isinstance(from_version, int):
        raise SchemaVersionError(from_version, current)
    if not 1 <= from_version <= current:
        raise SchemaVersionError(from_version, current)
    result = copy.deepcopy(document)
    for version in range(from_version, current):
        step = migrations.get(version)
        if step is None:
            raise SchemaVersionError(version, current)
        result = step(result)
        result["version"] = version + 1
    return result
