"""Tests for the public surface of `agentcharts`."""

from __future__ import annotations

import importlib
import pkgutil

import agentcharts


def isort_order(names):
    """The order ruff's RUF022 keeps __all__ in: constants, then classes, then functions."""

    def key(name):
        kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
        return (kind, name)

    return sorted(names, key=key)


ARCHITECTURE_NAMES = {
    "Agent",
    "AgentResult",
    "tool",
    "ToolContext",
    "ToolConfig",
    "RetryPolicy",
    "ConcurrencyRegistry",
    "GraphBuilder",
    "Graph",
    "GraphResult",
    "Status",
    "Interrupt",
    "ScriptedModel",
    "FunctionModel",
    "FileSessionStore",
    "SQLiteSessionStore",
    "AgentchartsError",
}


class TestExports:
    def test_all_is_sorted_and_complete(self):
        """The root __all__ is sorted, names only real attributes, and holds the documented API."""
        assert isort_order(agentcharts.__all__) == list(agentcharts.__all__)
        for name in agentcharts.__all__:
            assert hasattr(agentcharts, name), name
        assert ARCHITECTURE_NAMES <= set(agentcharts.__all__)

    def test_every_public_module_has_all(self):
        """Every public module declares a sorted __all__ naming only its own attributes."""
        for info in pkgutil.walk_packages(agentcharts.__path__, "agentcharts."):
            if any(part.startswith("_") for part in info.name.split(".")[1:]):
                continue
            module = importlib.import_module(info.name)
            assert hasattr(module, "__all__"), info.name
            assert isort_order(module.__all__) == list(module.__all__), info.name
            for name in module.__all__:
                assert hasattr(module, name), f"{info.name}.{name}"

    def test_public_paths(self):
        """Re-exported classes show their public path in reprs and tracebacks."""
        assert "agentcharts" == agentcharts.Graph.__module__
        assert "<class 'agentcharts.GraphBuilder'>" == repr(agentcharts.GraphBuilder)
