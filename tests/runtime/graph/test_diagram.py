"""Tests for `agentcharts.runtime.graph.diagram`: graph topology diagrams coloured by state."""

from __future__ import annotations

import pytest
from graph_helpers import plain_agent, weather_agent

from agentcharts import BeforeNodeCallEvent, GraphBuilder, Status
from agentcharts.exceptions import DiagramError
from agentcharts.machines import graphviz_available
from agentcharts.runtime.graph.diagram import (
    GraphTopology,
    TopologyEdge,
    TopologyNode,
    graph_mermaid,
    pending_interrupts_by_node,
    render_graph,
)


class Gate:
    """Asks before running the node 'gated'."""

    def register_hooks(self, registry):
        registry.add(BeforeNodeCallEvent, self.check)

    def check(self, event):
        if event.node_id == "gated":
            event.interrupt("run_gated", reason="ok?")


def looks_good(state):
    return True


def research_graph():
    """Two interrupting agents and a plain one fan in; a hook gates a function node."""
    inner = GraphBuilder().add_node(weather_agent("inner"), "inner").build()
    return (
        GraphBuilder()
        .add_node(weather_agent("a"), "a")
        .add_node(plain_agent("b"), "b")
        .add_node(inner, "nested")
        .add_node(lambda s: "gated ran", "gated")
        .add_node(plain_agent("join"), "join")
        .add_edge("a", "join")
        .add_edge("b", "join", condition=looks_good)
        .add_edge("nested", "join", condition=lambda s: True)
        .set_hooks([Gate()])
        .set_graph_id("research")
        .build()
    )


@pytest.fixture
def interrupted():
    graph = research_graph()
    result = graph("go")
    assert Status.INTERRUPTED == result.status
    return graph


class TestTopology:
    def test_of_a_built_graph(self):
        """Kinds, details and condition labels are read from the graph."""
        topology = GraphTopology.of(research_graph())
        assert [
            TopologyNode("a", "agent", "a"),
            TopologyNode("b", "agent", "b"),
            TopologyNode("nested", "graph", ""),
            TopologyNode("gated", "function", "<lambda>"),
            TopologyNode("join", "agent", "join"),
        ] == list(topology.nodes)
        assert [
            TopologyEdge("a", "join", ""),
            TopologyEdge("b", "join", "looks_good"),
            TopologyEdge("nested", "join", "condition"),
        ] == list(topology.edges)
        assert ("a", "b", "nested", "gated") == topology.entry_points


class TestPendingInterrupts:
    def test_every_source_under_its_top_level_node(self, interrupted):
        """Agent, nested-graph and before-node-call interrupts are found under their node."""
        found = pending_interrupts_by_node(interrupted.snapshot())
        assert {
            "a": ["weather_approval"],
            "nested": ["weather_approval"],
            "gated": ["run_gated"],
        } == {node: [r.name for r in records] for node, records in found.items()}


class TestRendering:
    def test_mermaid_without_state(self, snapshot):
        """Without a snapshot, nodes are not coloured."""
        text = graph_mermaid(research_graph())
        assert "classDef" not in text
        assert text == snapshot

    @pytest.mark.parametrize("fmt", ["mermaid", "md", "dot"])
    def test_with_state(self, interrupted, fmt, snapshot):
        """With a snapshot, each node is coloured by its state and shows what it waits for."""
        text = render_graph(interrupted, fmt, interrupted.snapshot())
        assert text == snapshot

    def test_md_without_state_lists_successors(self, snapshot):
        """The markdown table of a plain topology lists each node's successors."""
        assert render_graph(research_graph(), "md") == snapshot

    def test_svg(self, interrupted):
        """SVG goes through Graphviz, with the status colours."""
        assert graphviz_available(), "CI installs Graphviz (.ci/run); install it locally too"
        svg = render_graph(interrupted, "svg", interrupted.snapshot())
        assert "<svg" in svg
        assert "#ffe0b2" in svg
        assert "#c8e6c9" in svg

    def test_quoting(self):
        """Quotes and pipes in labels cannot break the Mermaid or DOT text."""
        topology = GraphTopology(
            'we"ird',
            (TopologyNode("a", "function", 'say "hi" | bye'), TopologyNode("b", "function")),
            (TopologyEdge("a", "b", 'a output is "x|y"'),),
            ("a",),
        )
        mermaid = render_graph(topology, "mermaid")
        assert "say #quot;hi#quot; #124; bye" in mermaid
        assert '-->|"a output is #quot;x#124;y#quot;"|' in mermaid
        dot = render_graph(topology, "dot")
        assert 'digraph "we\\"ird"' in dot
        assert 'label="a output is \\"x|y\\""' in dot

    def test_unknown_format(self):
        """An unknown format is a DiagramError."""
        with pytest.raises(DiagramError, match="unknown format"):
            render_graph(research_graph(), "png")  # type: ignore[arg-type]
