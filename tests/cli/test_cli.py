"""Tests for `agentcharts.cli`: the entry point, exit codes, one-line errors."""

from __future__ import annotations

import pytest
from cli_helpers import agentcharts, write

BAD_FILES = {
    "syntax error": (
        "nodes:\n  a: {agent: w\n",
        "g.yaml: invalid YAML at line 3, column 1: expected ',' or '}', but got '<stream end>'",
    ),
    "unknown key": (
        "task: t\nagents:\n  w: {model: {type: scripted, turns: [hi]}, tool_timout: 3}\nnodes:\n  a: {agent: w}\n",
        "g.yaml: at agents.w: unknown key 'tool_timout' (did you mean 'tool_timeout'?)",
    ),
    "wrong type": (
        "task: t\nagents:\n  w: {model: {type: scripted, turns: [hi]}, tool_timeout: soon}\nnodes:\n  a: {agent: w}\n",
        "g.yaml: at agents.w.tool_timeout: expected a number of seconds > 0, got 'soon'",
    ),
    "unknown tool import path": (
        "task: t\nagents:\n  w: {model: {type: scripted, turns: [hi]}, tools: ['no_such_tools_mod:fetch']}\nnodes:\n  a: {agent: w}\n",
        "g.yaml: at agents.w.tools[0]: cannot import 'no_such_tools_mod:fetch': no module named 'no_such_tools_mod'",
    ),
    "missing api key env var": (
        (
            "task: t\nmodels:\n  m: {type: openai-compatible, model: x, api_key_env: AGENTCHARTS_NO_SUCH_KEY}\n"
            "agents:\n  w: {model: m}\nnodes:\n  a: {agent: w}\n"
        ),
        "g.yaml: at models.m.api_key_env: environment variable 'AGENTCHARTS_NO_SUCH_KEY' is not set",
    ),
    "edge to unknown node": (
        "task: t\nnodes:\n  writer: {function: 'json:dumps'}\nedges: [{from: writer, to: wirter}]\n",
        "g.yaml: at edges[0].to: unknown node 'wirter' (did you mean 'writer'?)",
    ),
}


class TestErrors:
    @pytest.mark.parametrize("kind", list(BAD_FILES))
    def test_bad_graph_files(self, cli, tmp_path, kind):
        """Each kind of bad graph file is exactly one line on stderr and exit code 1."""
        text, message = BAD_FILES[kind]
        write(tmp_path, "g.yaml", text)
        assert (1, "", f"agentcharts: error: {message}\n") == cli("run", "g.yaml")

    def test_one_line_without_debug_traceback_with_it(self, tmp_path):
        """In a real process: one line and no traceback; --debug shows the traceback."""
        text, message = BAD_FILES["unknown key"]
        write(tmp_path, "g.yaml", text)
        plain = agentcharts("run", "g.yaml", cwd=tmp_path)
        assert (1, "", f"agentcharts: error: {message}\n") == (
            plain.returncode,
            plain.stdout,
            plain.stderr,
        )
        debug = agentcharts("--debug", "run", "g.yaml", cwd=tmp_path)
        assert 1 == debug.returncode
        assert "Traceback (most recent call last)" in debug.stderr
        assert "GraphFileError" in debug.stderr

    def test_usage_errors_and_help(self, cli):
        """A bad command line is one line on stderr and exit code 2; --help exits 0."""
        code, _, err = cli("run")
        assert (
            2,
            "agentcharts run: error: the following arguments are required: FILE (see agentcharts run --help)\n",
        ) == (code, err)
        code, _, err = cli("run", "g.yaml", "--tool-timeout", "0")
        assert 2 == code
        assert (
            "agentcharts run: error: argument --tool-timeout: expected a positive number of "
            "seconds, got '0' (see agentcharts run --help)\n"
        ) == err
        code, out, _ = cli("--help")
        assert 0 == code
        assert "exit codes: 0 done, 1 error, 2 bad command line, 3 waiting for a human" in out
