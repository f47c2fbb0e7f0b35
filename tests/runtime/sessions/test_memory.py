"""Tests for `agentcharts.runtime.sessions.memory`."""

from __future__ import annotations

from agentcharts.runtime.sessions import MemorySessionStore


class TestMemorySessionStore:
    def test_instances_are_independent(self):
        """Two stores share nothing."""
        first, second = MemorySessionStore(), MemorySessionStore()
        first.save("s1", "{}", expected_version=None)
        assert not second.exists("s1")
        assert 1 == second.save("s1", "[]", expected_version=None)
        assert "{}" == first.load("s1").document

    def test_repr_counts_sessions(self):
        """The repr tells how many sessions are held, not their contents."""
        store = MemorySessionStore()
        store.save("a", '{"secret": 1}', expected_version=None)
        store.save("b", "{}", expected_version=None)
        assert "MemorySessionStore(<2 session(s)>)" == repr(store)
