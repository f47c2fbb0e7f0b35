"""Fixtures of the session store tests: one store per kit in `store_kits.KITS`."""

from __future__ import annotations

import pytest
from store_kits import KITS, kit_id


@pytest.fixture(params=KITS, ids=kit_id)
def kit(request):
    """One store kit; a test may override it with ``@pytest.mark.parametrize("kit", ...)``."""
    return request.param


@pytest.fixture
def location(kit, tmp_path):
    """Where the test's store lives."""
    return kit.location(tmp_path)


@pytest.fixture
def store(kit, location):
    """A fresh, empty store of the kit's kind, closed after the test."""
    opened = kit.open(location)
    yield opened
    kit.close(opened)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Mark the tests of stores that need a server (the PostgreSQL kit) with its marker."""
    for item in items:
        kit = item.callspec.params.get("kit") if hasattr(item, "callspec") else None
        if getattr(kit, "name", None) == "postgres":
            item.add_marker(pytest.mark.postgres)
