"""Tests for `agentcharts.cli.diagram`: `agentcharts diagram` and `agentcharts lifecycles`."""

from __future__ import annotations

from cli_helpers import EXAMPLES, agentcharts

from agentcharts.machines.diagrams import render_lifecycle

RESEARCH = EXAMPLES / "research.yaml"


class TestDiagram:
    def test_graph_file(self, cli, snapshot):
        """A graph file is drawn as its topology, without states."""
        code, out, _ = cli("diagram", RESEARCH)
        assert 0 == code
        assert out == snapshot

    def test_session_coloured_by_state(self, cli, tmp_path, snapshot):
        """A session is drawn with each node coloured by its saved state."""
        cli("run", RESEARCH, "--session", "r1", "--non-interactive")
        code, out, err = cli("diagram", "r1", "--format", "md", "-o", "out/r1.md")
        assert (0, "", "wrote out/r1.md\n") == (code, out, err)
        assert (tmp_path / "out" / "r1.md").read_text(encoding="utf-8") == snapshot
        code, svg, _ = cli("diagram", "r1", "--format", "svg")
        assert "<svg" in svg
        assert "#ffe0b2" in svg

    def test_lifecycle(self, cli):
        """A lifecycle kind draws that lifecycle's state diagram."""
        code, out, _ = cli("diagram", "tool_call")
        assert (0, render_lifecycle("tool_call", "mermaid")) == (code, out)

    def test_unknown_target(self, cli):
        """Something that is neither a file, a lifecycle nor a session is one clear line."""
        code, _, err = cli("diagram", "weather")
        assert 1 == code
        assert (
            "agentcharts: error: 'weather' is not a graph file, a lifecycle (graph, node, "
            "tool_call, interrupt) or a session in .agentcharts/sessions.db\n"
        ) == err
        code, _, err = cli("diagram", "../x")
        assert err.startswith("agentcharts: error: '../x' is not a graph file")


class TestLifecycles:
    def test_every_lifecycle_in_a_subprocess(self, tmp_path):
        """`agentcharts lifecycles` prints the four machines (scripts rely on it)."""
        done = agentcharts("lifecycles", cwd=tmp_path)
        assert 0 == done.returncode
        titles = [line for line in done.stdout.splitlines() if line.startswith("# ")]
        assert [
            "# GraphLifecycle (graph)",
            "# NodeLifecycle (node)",
            "# ToolCallLifecycle (tool_call)",
            "# InterruptLifecycle (interrupt)",
        ] == titles
