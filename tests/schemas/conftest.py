"""Fixtures for the persisted-format tests."""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension


@pytest.fixture
def snapshot_json(snapshot):
    """A syrupy snapshot stored as an indented JSON file with sorted keys."""
    return snapshot.use_extension(JSONSnapshotExtension)
