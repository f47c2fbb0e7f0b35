"""Fixtures for the graph file tests."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _restore_sys_path(monkeypatch):
    """Building a graph file puts its directory on sys.path; undo that after each test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
