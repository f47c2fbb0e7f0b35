"""Tests for `agentcharts.machines.diagrams`."""

from __future__ import annotations

import pathlib
import sys

import pytest

from agentcharts.exceptions import DiagramError
from agentcharts.machines import LIFECYCLES, graphviz_available, render_lifecycle

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from gen_lifecycle_docs import DOC, splice  # noqa: E402


class TestRendering:
    @pytest.mark.parametrize("kind", sorted(LIFECYCLES))
    def test_mermaid(self, kind, snapshot):
        """Each lifecycle renders as a Mermaid state diagram."""
        text = render_lifecycle(kind, "mermaid")
        assert text.startswith("stateDiagram-v2")
        assert text == snapshot

    @pytest.mark.parametrize("kind", sorted(LIFECYCLES))
    def test_transition_table(self, kind, snapshot):
        """Each lifecycle renders as a markdown transition table."""
        text = render_lifecycle(kind, "md")
        assert text.startswith("| State")
        assert text == snapshot

    @pytest.mark.parametrize("kind", sorted(LIFECYCLES))
    def test_dot_is_deterministic(self, kind):
        """DOT output holds no object ids, so it is the same on every call."""
        assert render_lifecycle(kind, "dot") == render_lifecycle(LIFECYCLES[kind], "dot")

    def test_svg_with_graphviz(self):
        """With Graphviz installed, a lifecycle renders as SVG."""
        assert graphviz_available(), "CI installs Graphviz (.ci/run); install it locally too"
        svg = render_lifecycle("tool_call", "svg")
        assert "<svg" in svg
        assert "retry_allowed" in svg

    def test_svg_without_graphviz(self, monkeypatch):
        """Without Graphviz, SVG fails with an error that says so and what to do."""
        monkeypatch.setenv("PATH", "")
        assert not graphviz_available()
        with pytest.raises(DiagramError, match="'dot' program is not installed"):
            render_lifecycle("node", "svg")

    def test_unknown_lifecycle_and_format(self):
        """Unknown lifecycles and formats are clear errors."""
        with pytest.raises(DiagramError, match="unknown lifecycle 'swarm'"):
            render_lifecycle("swarm")
        with pytest.raises(DiagramError, match="unknown format"):
            render_lifecycle("node", "png")  # type: ignore[arg-type]


class TestDocs:
    def test_lifecycles_doc_matches_the_classes(self):
        """docs/concepts/lifecycles.md holds the diagrams generated from the classes."""
        text = DOC.read_text(encoding="utf-8")
        assert splice(text) == text, "run: python scripts/gen_lifecycle_docs.py"
