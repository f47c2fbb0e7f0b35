"""Tests for `agentcharts.graphfile`: loading files, the shipped schema, building graphs."""

from __future__ import annotations

import json
import pathlib

import jsonschema
import pytest
import yaml
from graphfile_helpers import SCRIPTED_AGENT, unique_module, write

from agentcharts import MemorySessionStore, Status
from agentcharts.exceptions import DefinitionError, GraphFileError
from agentcharts.graphfile import (
    check_graph_document,
    graph_file_schema,
    load_graph,
    load_graph_file,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

BAD_DOCUMENTS = {
    "top level list": ([1, 2], "", "expected agentcharts graph file, got a list"),
    "missing nodes": ({"agents": {}}, "", "missing required key 'nodes'"),
    "empty nodes": (
        {"nodes": {}},
        "nodes",
        "expected a mapping of node ids to nodes, got an empty mapping",
    ),
    "typo at top": (
        {"nodes": {"a": {"function": "m:f"}}, "edge": []},
        "",
        "unknown key 'edge' (did you mean 'edges'?)",
    ),
    "bad node id": (
        {"nodes": {"a b": {"function": "m:f"}}},
        "nodes",
        "invalid key 'a b': expected a name of letters, digits, '_' and '-' that starts with a letter or '_'",
    ),
    "node with both": (
        {"nodes": {"a": {"agent": "w", "function": "m:f"}}},
        "nodes.a",
        "expected only one of: an agent node, a function node",
    ),
    "node with neither": (
        {"nodes": {"a": {"description": "x"}}},
        "nodes.a",
        "expected a node ({agent: NAME} or {function: IMPORT_PATH}), got a mapping",
    ),
    "bad import path": (
        {"nodes": {"a": {"function": "not a path"}}},
        "nodes.a.function",
        "expected an import path like 'module:name' or 'package.module.name', got 'not a path'",
    ),
    "unknown model type": (
        {"models": {"m": {"type": "scriptd", "turns": []}}, "nodes": {"a": {"function": "m:f"}}},
        "models.m.type",
        "expected one of 'scripted', 'openai-compatible', got 'scriptd'",
    ),
    "model without type": (
        {"models": {"m": {"turns": []}}, "nodes": {"a": {"function": "m:f"}}},
        "models.m",
        "missing required key 'type' (one of 'scripted', 'openai-compatible')",
    ),
    "bad turn": (
        {"models": {"m": {"type": "scripted", "turns": [5]}}, "nodes": {"a": {"function": "m:f"}}},
        "models.m.turns[0]",
        "expected a turn (a text, or a non-empty list of tool calls), got 5",
    ),
    "typo in tool call": (
        {
            "models": {"m": {"type": "scripted", "turns": [[{"nme": "x"}]]}},
            "nodes": {"a": {"function": "m:f"}},
        },
        "models.m.turns[0][0]",
        "unknown key 'nme' (did you mean 'name'?)",
    ),
    "wrong type": (
        {"agents": {"w": {"model": "m", "tool_timeout": "soon"}}, "nodes": {"a": {"agent": "w"}}},
        "agents.w.tool_timeout",
        "expected a number of seconds > 0, got 'soon'",
    ),
    "negative timeout": (
        {"agents": {"w": {"model": "m", "tool_timeout": -1}}, "nodes": {"a": {"agent": "w"}}},
        "agents.w.tool_timeout",
        "expected a number of seconds > 0, got -1",
    ),
    "bool is not an int": (
        {"limits": {"max_node_executions": True}, "nodes": {"a": {"function": "m:f"}}},
        "limits.max_node_executions",
        "expected an integer >= 1, got true",
    ),
    "typo in condition": (
        {
            "nodes": {"a": {"function": "m:f"}},
            "edges": [{"from": "a", "to": "a", "when": {"outptu_contains": "x"}}],
        },
        "edges[0].when",
        "unknown key 'outptu_contains' (did you mean 'output_contains'?)",
    ),
    "two operators": (
        {
            "nodes": {"a": {"function": "m:f"}},
            "edges": [
                {"from": "a", "to": "a", "when": {"output_contains": "x", "output_equals": "y"}}
            ],
        },
        "edges[0].when",
        "expected only one of: output_contains, output_equals",
    ),
    "bad retry kind": (
        {
            "agents": {"w": {"model": "m", "retry_policy": {"retry_on": ["timeouts"]}}},
            "nodes": {"a": {"agent": "w"}},
        },
        "agents.w.retry_policy.retry_on[0]",
        "expected one of 'timeout', 'rate_limit', 'connection_error', 'server_error', 'error', got 'timeouts'",
    ),
    "key in file": (
        {
            "models": {"m": {"type": "openai-compatible", "model": "x", "api_key": "sk-123"}},
            "nodes": {"a": {"function": "m:f"}},
        },
        "models.m",
        "unknown key 'api_key' (did you mean 'api_key_env'?)",
    ),
}


class TestSchema:
    def test_shipped_schema_is_valid_json_schema(self):
        """The shipped schema is a valid Draft 2020-12 schema with a versioned $id."""
        schema = graph_file_schema()
        jsonschema.Draft202012Validator.check_schema(schema)
        assert "https://agentcharts.dev/schemas/graph-file/v1.json" == schema["$id"]

    def test_schema_is_a_copy(self):
        """Changing the returned schema does not change the next one."""
        graph_file_schema()["title"] = "changed"
        assert "agentcharts graph file" == graph_file_schema()["title"]

    @pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
    def test_examples_fit_the_schema(self, path):
        """Every example validates with jsonschema and loads."""
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        jsonschema.validate(document, graph_file_schema())
        assert load_graph_file(path).nodes

    @pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
    def test_bad_documents(self, case):
        """Each bad document fails jsonschema too, and our error names the path and what was expected."""
        document, path, problem = BAD_DOCUMENTS[case]
        assert not jsonschema.Draft202012Validator(graph_file_schema()).is_valid(document)
        with pytest.raises(GraphFileError) as caught:
            check_graph_document(document, "g.yaml")
        assert (path, problem) == (caught.value.key_path, caught.value.problem)
        where = f"at {path}: " if path else ""
        assert f"g.yaml: {where}{problem}" == str(caught.value)


class TestLoad:
    def test_yaml_and_json_load_the_same_graph(self, tmp_path):
        """A JSON file with the same content as a YAML file gives the same graph."""
        source = ROOT / "examples" / "weather.yaml"
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
        as_json = tmp_path / "weather.json"
        as_json.write_text(json.dumps(document), encoding="utf-8")
        from_yaml = load_graph_file(source)
        from_json = load_graph_file(as_json)
        assert from_yaml.nodes == from_json.nodes
        assert from_yaml.agents["weather"].model == from_json.agents["weather"].model.__class__(
            "scripted", from_yaml.agents["weather"].model.settings, "models.weather_script"
        )
        assert "What is the weather?" == from_json.task

    @pytest.mark.parametrize(
        ("name", "text", "expected"),
        [
            (
                "g.yaml",
                "nodes:\n  a: {agent: x\n",
                "g.yaml: invalid YAML at line 3, column 1: expected ',' or '}', but got '<stream end>'",
            ),
            ("g.json", '{"nodes": ', "g.json: invalid JSON at line 1, column 11: Expecting value"),
            (
                "g.yaml",
                "nodes: {a: {function: 'm:f'}}\nnodes: {}\n",
                "g.yaml: invalid YAML: duplicate key 'nodes' at line 2",
            ),
            ("g.json", '{"nodes": {}, "nodes": {}}', "g.json: invalid JSON: duplicate key 'nodes'"),
            (
                "g.txt",
                "nodes: {}",
                "g.txt: unknown graph file type '.txt'; expected .yaml, .yml or .json",
            ),
            ("g.yml", "- a\n- b\n", "g.yml: expected agentcharts graph file, got a list"),
        ],
    )
    def test_unreadable_files(self, tmp_path, monkeypatch, name, text, expected):
        """Syntax errors name the line and column; duplicate keys and odd files are refused."""
        monkeypatch.chdir(tmp_path)
        write(tmp_path, name, text)
        with pytest.raises(GraphFileError) as caught:
            load_graph_file(name)
        assert expected == str(caught.value)

    def test_missing_file(self, tmp_path):
        """A missing file is a GraphFileError, which is a DefinitionError."""
        with pytest.raises(DefinitionError, match="no such file"):
            load_graph_file(tmp_path / "absent.yaml")

    def test_load_graph_runs_and_resumes_from_a_store(self, tmp_path):
        """load_graph builds with a session; a second build of the same file resumes it."""
        module = unique_module()
        write(
            tmp_path,
            f"{module}.py",
            """
            from agentcharts import ToolContext, tool

            @tool(context=True)
            def ask(tool_context: ToolContext) -> str:
                '''Ask where.'''
                return "in " + tool_context.interrupt("where", reason="need a place")
            """,
        )
        path = write(
            tmp_path,
            "g.yaml",
            f"""
            agents:
              w:
                model: {{type: scripted, turns: [[{{name: ask}}], "done"]}}
                tools: ["{module}:ask"]
            nodes:
              a: {{agent: w}}
            """,
        )
        store = MemorySessionStore()
        first = load_graph(path, store=store, session_id="s1")
        result = first("go")
        assert Status.INTERRUPTED == result.status
        second = load_graph(path, store=store, session_id="s1")
        answer = [
            {"interruptResponse": {"interruptId": result.interrupts[0].id, "response": "Oslo"}}
        ]
        assert Status.COMPLETED == second(answer).status
        assert "done" == second.result().results["a"].text

    def test_scripted_agent_document(self):
        """A minimal document with one scripted agent builds and runs."""
        graph = check_graph_document(yaml.safe_load(SCRIPTED_AGENT)).build()
        assert "hi" == graph("go").results["a"].text
