"""Tests for `agentcharts.graphfile.spec`: references, topology, and building graphs."""

from __future__ import annotations

import time

import pytest
import yaml
from graphfile_helpers import unique_module, write

from agentcharts import Agent, Status
from agentcharts.exceptions import GraphFileError
from agentcharts.graphfile import check_graph_document, load_graph_file
from agentcharts.runtime.models import OpenAICompatibleModel


def parse(text):
    return check_graph_document(yaml.safe_load(text), "g.yaml")


def problem_of(text):
    with pytest.raises(GraphFileError) as caught:
        parse(text)
    return caught.value.key_path, caught.value.problem


FUNCTION_NODES = """
nodes:
  a: {function: "m:f"}
  b: {function: "m:f"}
"""


class TestReferences:
    def test_edge_to_unknown_node(self):
        """An edge to a node the file does not declare names the edge and the close match."""
        text = FUNCTION_NODES + "edges: [{from: a, to: bb}]\n"
        assert ("edges[0].to", "unknown node 'bb' (did you mean 'b'?)") == problem_of(text)

    def test_edge_from_unknown_node_lists_the_nodes(self):
        """Without a close match the known nodes are listed."""
        text = FUNCTION_NODES + "edges: [{from: zzz, to: a}]\n"
        assert ("edges[0].from", "unknown node 'zzz' (known: a, b)") == problem_of(text)

    def test_condition_naming_unknown_node(self):
        """A condition that reads an unknown node is refused."""
        text = FUNCTION_NODES + "edges: [{from: a, to: b, when: {status: failed, node: c}}]\n"
        assert ("edges[0].when", "unknown node 'c' (known: a, b)") == problem_of(text)

    def test_bad_regular_expression(self):
        """An output_matches value that does not compile names its path."""
        text = FUNCTION_NODES + "edges: [{from: a, to: b, when: {not: {output_matches: '('}}}]\n"
        path, problem = problem_of(text)
        assert "edges[0].when.not.output_matches" == path
        assert problem.startswith("invalid regular expression '(':")

    def test_unknown_agent_model_and_entry_point(self):
        """Nodes name agents, agents name models, entry points name nodes."""
        agents = (
            "agents:\n  w: {model: scripts}\nmodels:\n  script: {type: scripted, turns: [hi]}\n"
        )
        assert ("agents.w.model", "unknown model 'scripts' (did you mean 'script'?)") == problem_of(
            agents + "nodes:\n  a: {agent: w}\n"
        )
        assert ("nodes.a.agent", "unknown agent 'x' (known: none)") == problem_of(
            "nodes:\n  a: {agent: x}\n"
        )
        assert ("entry_points[0]", "unknown node 'c' (known: a, b)") == problem_of(
            FUNCTION_NODES + "entry_points: [c]\n"
        )

    def test_no_possible_entry_point(self):
        """A cycle with no entry point is refused at load time."""
        text = FUNCTION_NODES + "edges: [{from: a, to: b}, {from: b, to: a}]\n"
        expected = "no entry point: every node has an incoming edge; list entry_points"
        assert ("entry_points", expected) == problem_of(text)

    def test_concurrency_of_unknown_agent(self):
        """Concurrency limits are keyed by agent names the file declares."""
        text = FUNCTION_NODES + "limits: {concurrency: {writer: 1}}\n"
        assert ("limits.concurrency", "unknown agent 'writer' (known: none)") == problem_of(text)

    def test_inconsistent_retry_policy(self):
        """A retry policy whose delays disagree is refused with RetryPolicy's own words."""
        text = (
            "agents:\n  w:\n    model: {type: scripted, turns: [hi]}\n"
            "    retry_policy: {initial_delay_ms: 500, max_delay_ms: 100}\n"
            "nodes:\n  a: {agent: w}\n"
        )
        expected = "max_delay_ms must be a number >= initial_delay_ms, got 100"
        assert ("agents.w.retry_policy", expected) == problem_of(text)


class TestShape:
    def test_topology_and_sinks(self):
        """The topology lists nodes, edges with condition labels, and entry points."""
        spec = parse(
            FUNCTION_NODES
            + "  c: {function: 'm:f'}\n"
            + "edges: [{from: a, to: b, when: {output_contains: 'yes'}}, {from: a, to: c}]\n"
        )
        topology = spec.topology()
        assert ("a", "b", "c") == tuple(n.node_id for n in topology.nodes)
        assert ("a",) == topology.entry_points
        assert "a output contains 'yes'" == topology.edges[0].label
        assert "" == topology.edges[1].label
        assert ("b", "c") == spec.sink_ids()

    def test_defaults(self):
        """Left-out keys take their documented defaults."""
        spec = parse(FUNCTION_NODES)
        assert ("graph", "barrier", False, None) == (
            spec.graph_id,
            spec.interrupt_mode,
            spec.reset_on_revisit,
            spec.task,
        )


class TestBuild:
    def tools_module(self, tmp_path, body):
        module = unique_module()
        write(tmp_path, f"{module}.py", body)
        return module

    def test_import_failures_name_the_path(self, tmp_path):
        """A missing module, a missing attribute, and something that is not a tool are refused."""
        module = self.tools_module(tmp_path, "VALUE = 3\n")
        cases = {
            "nowhere_at_all:fn": "cannot import 'nowhere_at_all:fn': no module named 'nowhere_at_all'",
            f"{module}:missing": f"cannot import '{module}:missing': '{module}' has no attribute 'missing'",
            f"{module}.VALUE": f"'{module}.VALUE' is not a function or a tool",
        }
        for import_path, expected in cases.items():
            path = write(
                tmp_path,
                "g.yaml",
                f"""
                agents:
                  w: {{model: {{type: scripted, turns: [hi]}}, tools: ["{import_path}"]}}
                nodes:
                  a: {{agent: w}}
                """,
            )
            with pytest.raises(GraphFileError) as caught:
                load_graph_file(path).build()
            assert ("agents.w.tools[0]", expected) == (caught.value.key_path, caught.value.problem)

    def test_api_key_from_environment(self, tmp_path, monkeypatch):
        """An OpenAI-compatible model reads its key from the named variable, never the file."""
        path = write(
            tmp_path,
            "g.yaml",
            """
            models:
              remote: {type: openai-compatible, model: gpt-test, base_url: "http://127.0.0.1:9/v1", api_key_env: AGENTCHARTS_TEST_KEY}
            agents:
              w: {model: remote}
            nodes:
              a: {agent: w}
            """,
        )
        monkeypatch.delenv("AGENTCHARTS_TEST_KEY", raising=False)
        with pytest.raises(GraphFileError) as caught:
            load_graph_file(path).build()
        assert "models.remote.api_key_env" == caught.value.key_path
        assert "environment variable 'AGENTCHARTS_TEST_KEY' is not set" == caught.value.problem
        monkeypatch.setenv("AGENTCHARTS_TEST_KEY", "sk-test")
        agent = load_graph_file(path).build().executors["a"].target
        assert isinstance(agent.model, OpenAICompatibleModel)
        assert "gpt-test" == agent.model.model
        assert "sk-test" not in repr(agent.model)

    def test_hooks_functions_and_limits(self, tmp_path):
        """Hook classes are instantiated, function nodes run, limits reach the graph."""
        module = self.tools_module(
            tmp_path,
            """
            from agentcharts import BeforeInvocationEvent

            SEEN = []

            class Spy:
                def register_hooks(self, registry):
                    registry.add(BeforeInvocationEvent, lambda event: SEEN.append(event.agent.name))

            def shout(state):
                return state.inputs["a"].upper()

            NOT_A_HOOK = object()
            """,
        )
        text = f"""
            agents:
              w: {{model: {{type: scripted, turns: [hi]}}, hooks: ["{module}:Spy"], max_turns: 3}}
            nodes:
              a: {{agent: w}}
              b: {{function: "{module}:shout"}}
            edges: [{{from: a, to: b}}]
            limits: {{max_node_executions: 7, node_timeout: 9, execution_timeout: 11, concurrency: {{w: 2}}}}
            interrupt_mode: continue
            """
        graph = load_graph_file(write(tmp_path, "g.yaml", text)).build()
        assert (7, 9.0, 11.0, "continue") == (
            graph.max_node_executions,
            graph.node_timeout,
            graph.execution_timeout,
            graph.interrupt_mode,
        )
        assert 2 == graph.concurrency.get_limit("w")
        agent = graph.executors["a"].target
        assert isinstance(agent, Agent)
        assert 3 == agent.max_turns
        result = graph("go")
        assert "HI" == result.results["b"].text
        assert ["w"] == __import__(module).SEEN
        bad = load_graph_file(write(tmp_path, "g.yaml", text.replace(":Spy", ":NOT_A_HOOK")))
        with pytest.raises(
            GraphFileError, match=r"at agents\.w\.hooks\[0\]: .* is not a hook provider"
        ):
            bad.build()

    def test_tool_timeout_from_file_and_override(self, tmp_path):
        """The file's tool_timeout wraps the tools; a build-time tool_timeout wins over it."""
        module = self.tools_module(
            tmp_path,
            """
            import time
            from agentcharts import tool

            @tool
            def nap(seconds: float) -> str:
                '''Sleep.'''
                time.sleep(seconds)
                return "rested"
            """,
        )
        path = write(
            tmp_path,
            "g.yaml",
            f"""
            agents:
              w:
                model: {{type: scripted, turns: [[{{name: nap, input: {{seconds: 0.6}}}}], done]}}
                tools: ["{module}:nap"]
                tool_timeout: 0.1
            nodes:
              a: {{agent: w}}
            """,
        )
        spec = load_graph_file(path)

        def tool_result(graph):
            graph("go")
            agent = graph.executors["a"].target
            return Agent.tool_results(agent.messages)[0].content

        started = time.monotonic()
        expected = '{"error": "tool_timeout", "tool": "nap", "timeout_seconds": 0.1}'
        assert expected == tool_result(spec.build())
        assert time.monotonic() - started < 0.5
        assert "rested" == tool_result(spec.build(tool_timeout=5))
        assert Status.COMPLETED == spec.build(tool_timeout=5)("go").status
