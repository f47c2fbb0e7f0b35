"""Tests for `agentcharts.cli.run`: `agentcharts run` and `agentcharts resume`, as a user runs them."""

from __future__ import annotations

import signal
import time

import pytest
from cli_helpers import EXAMPLES, agentcharts, slow_graph, start, write

from agentcharts import SQLiteSessionStore, Status
from agentcharts.graphfile import load_graph
from agentcharts.runtime.interrupts import interrupt_id

WEATHER = EXAMPLES / "weather.yaml"
RESEARCH = EXAMPLES / "research.yaml"
WEATHER_ID = interrupt_id("tool", "weather_agent#1", "tooluse_0_0", "weather_approval")


class TestRun:
    def test_interactive_prompt_answered_on_stdin(self, tmp_path):
        """The command asks for the response in the terminal; the answer resumes the graph."""
        done = agentcharts("run", WEATHER, "--session", "s1", cwd=tmp_path, stdin_text="Seattle\n")
        assert (0, "") == (done.returncode, done.stderr)
        lines = done.stdout.splitlines()
        assert "session s1 (store .agentcharts/sessions.db)" == lines[0]
        assert [
            "[weather_agent] executing",
            "[weather_agent] tool weather_tool running",
            "[weather_agent] tool weather_tool interrupted",
            "[weather_agent] interrupted: waiting for weather_approval",
            "waiting for a human: 1 interrupt",
            "  weather_agent: weather_approval: need location",
            f"    id {WEATHER_ID}",
            "weather_approval (weather_agent)> Seattle",
            "[weather_agent] resumed",
            "[weather_agent] tool weather_tool running",
            "[weather_agent] tool weather_tool succeeded: Weather in Seattle: sunny",
            "[weather_agent] completed: Here is your forecast. Enjoy the sunshine!",
        ] == lines[1:13]
        assert lines[13].startswith("completed: 1 of 1 nodes in ")
        assert ["result:", "  [weather_agent] Here is your forecast. Enjoy the sunshine!"] == lines[
            14:
        ]

    def test_respond_answers_without_a_prompt(self, tmp_path):
        """--respond NAME=VALUE answers the interrupt; nothing is asked."""
        done = agentcharts("run", WEATHER, "--respond", "weather_approval=Lisbon", cwd=tmp_path)
        assert 0 == done.returncode, done.stderr
        assert "> " not in done.stdout
        assert "tool weather_tool succeeded: Weather in Lisbon: sunny" in done.stdout
        assert "" == done.stderr

    def test_non_interactive_stops_with_exit_3_and_resume_finishes(self, tmp_path):
        """--non-interactive stops at the interrupt with code 3 and says how to resume."""
        stopped = agentcharts("run", WEATHER, "--session", "s1", "--non-interactive", cwd=tmp_path)
        assert 3 == stopped.returncode
        assert [
            "stopped: session s1 is waiting for a human. Resume it with:",
            "  agentcharts resume s1 --respond weather_approval=VALUE",
        ] == stopped.stdout.splitlines()[-2:]
        resumed = agentcharts("resume", "s1", "--respond", 'weather_approval="Oslo"', cwd=tmp_path)
        assert 0 == resumed.returncode, resumed.stderr
        assert (
            "session s1 (store .agentcharts/sessions.db): interrupted"
            == resumed.stdout.splitlines()[0]
        )
        assert "Weather in Oslo: sunny" in resumed.stdout

    def test_respond_by_id_and_json_values(self, cli):
        """A --respond key may be the interrupt's id; its value is JSON when it parses."""
        code, out, _ = cli("run", WEATHER, "--respond", f"{WEATHER_ID}=[1, 2]")
        assert 0 == code
        assert "Weather in [1, 2]: sunny" in out
        code, out, _ = cli("run", RESEARCH, "--respond", "approve_download=true")
        assert 0 == code
        assert "[papers] tool download_paper succeeded" in out

    def test_end_of_input_stops_waiting(self, cli):
        """When stdin ends before an answer, the run stops as --non-interactive would."""
        code, out, _ = cli("run", WEATHER, "--session", "s1", stdin="")
        assert 3 == code
        assert "weather_approval (weather_agent)> (no more input)" in out
        assert "  agentcharts resume s1 --respond weather_approval=VALUE" in out

    def test_store_option_and_unused_answers(self, cli, tmp_path):
        """--store picks the store (and hints repeat it); an unused --respond is noted."""
        code, out, err = cli(
            "run",
            WEATHER,
            "--session",
            "s1",
            "--store",
            "elsewhere/x.db",
            "--respond",
            "nobody=1",
            "--non-interactive",
        )
        assert 3 == code
        assert (
            "agentcharts resume s1 --store elsewhere/x.db --respond weather_approval=VALUE" in out
        )
        assert (tmp_path / "elsewhere" / "x.db").exists()
        assert (tmp_path / "elsewhere" / "x.db.runs" / "s1.json").exists()
        code, out, err = cli(
            "resume",
            "s1",
            "--store",
            "elsewhere/x.db",
            "--respond",
            "weather_approval=x",
            "--respond",
            "nobody=1",
        )
        assert 0 == code
        assert "agentcharts: note: --respond 'nobody' matched no interrupt\n" == err

    def test_existing_session_and_missing_task(self, cli, tmp_path):
        """A session id in use is refused; so is a graph with no task."""
        assert 3 == cli("run", WEATHER, "--session", "s1", "--non-interactive")[0]
        code, _, err = cli("run", WEATHER, "--session", "s1")
        assert 1 == code
        assert (
            "agentcharts: error: session 's1' exists already in .agentcharts/sessions.db; "
            "continue it with 'agentcharts resume s1' or pick another --session\n"
        ) == err
        write(tmp_path, "notask.yaml", "nodes:\n  a: {function: 'json:dumps'}\n")
        code, _, err = cli("run", "notask.yaml")
        assert (
            "agentcharts: error: no task: the graph file has no 'task' and no --task was given\n"
            == err
        )

    def test_task_option_and_failed_graph(self, cli, tmp_path):
        """--task replaces the file's task; a failing graph exits with code 4."""
        write(
            tmp_path,
            "parse_tools.py",
            "import json\n\ndef parse(state):\n    return json.loads(state.task)\n",
        )
        write(
            tmp_path,
            "fails.yaml",
            """
            task: unused
            nodes:
              parse: {function: "parse_tools:parse"}
            """,
        )
        code, out, err = cli("run", "fails.yaml", "--task", "[1, 2]")
        assert 0 == code, err
        assert "[parse] completed: [1, 2]" in out
        code, out, err = cli("run", "fails.yaml", "--task", "not json")
        assert 4 == code
        assert "failed: node(s) failed: 'parse'" in out
        assert "  [parse] JSONDecodeError: Expecting value: line 1 column 1 (char 0)" in out
        assert "agentcharts: the graph failed: node(s) failed: 'parse'\n" == err


class TestResume:
    def wait_for(self, process, text):
        for line in process.stdout:
            if text in line:
                return
        pytest.fail(f"never printed {text!r}: {process.communicate()}")

    @pytest.mark.parametrize("how", ["sigint", "sigkill"])
    def test_stopped_while_a_slow_node_runs_then_resumed(self, tmp_path, how):
        """Ctrl-C (or a kill) mid-node leaves the session resumable; completed nodes never rerun."""
        slow_graph(tmp_path, f"slow_tools_{how}")
        process = start("run", "slow.yaml", "--session", "s1", cwd=tmp_path)
        self.wait_for(process, "[second] tool nap running")
        deadline = time.monotonic() + 30
        while not (tmp_path / "napped").exists() and time.monotonic() < deadline:
            time.sleep(0.02)  # the tool body has started (and will sleep) once the marker exists
        started = time.monotonic()
        process.send_signal(signal.SIGINT if how == "sigint" else signal.SIGKILL)
        _, err = process.communicate(timeout=30)
        assert time.monotonic() - started < 20
        if how == "sigint":
            assert 130 == process.returncode
            assert (
                "agentcharts: interrupted; session s1 keeps its last checkpoint. "
                "Resume it with: agentcharts resume s1\n"
            ) == err
        else:
            assert -signal.SIGKILL == process.returncode
        resumed = agentcharts("resume", "s1", cwd=tmp_path)
        assert 0 == resumed.returncode, resumed.stderr
        lines = resumed.stdout.splitlines()
        assert "session s1 (store .agentcharts/sessions.db): executing" == lines[0]
        assert "[second] tool nap succeeded: rested" in lines
        assert "[first] executing" not in lines
        assert "x" == (tmp_path / "first-calls").read_text()

    def test_nothing_to_resume(self, cli):
        """Resuming a completed session reports its result and exits 0."""
        cli("run", WEATHER, "--session", "s1", "--respond", "weather_approval=x")
        code, out, _ = cli("resume", "s1")
        assert 0 == code
        assert "nothing to resume: the session is completed" in out
        assert "  [weather_agent] Here is your forecast. Enjoy the sunshine!" in out

    def test_failed_session_is_not_resumed(self, cli, tmp_path):
        """Resuming a failed session reports the failure and exits 4."""
        write(tmp_path, "crash_tools.py", "def crash(state):\n    raise RuntimeError('down')\n")
        write(
            tmp_path, "crash.yaml", "task: go\nnodes:\n  crash: {function: 'crash_tools:crash'}\n"
        )
        assert 4 == cli("run", "crash.yaml", "--session", "c1")[0]
        code, out, err = cli("resume", "c1")
        assert 4 == code
        assert "nothing to resume: the session failed" in out
        assert "  [crash] RuntimeError: down" in out
        assert "agentcharts: the graph failed: node(s) failed: 'crash'\n" == err

    def test_unknown_session(self, cli):
        """An unknown session is one line on stderr."""
        code, _, err = cli("resume", "nope")
        assert 1 == code
        assert (
            "agentcharts: error: no session 'nope': the store .agentcharts/sessions.db does not exist\n"
            == err
        )
        cli("run", WEATHER, "--session", "s1", "--non-interactive")
        code, _, err = cli("resume", "nope")
        assert (
            "agentcharts: error: no session 'nope' in .agentcharts/sessions.db "
            "(see: agentcharts sessions list)\n"
        ) == err

    def test_session_without_run_record_needs_file(self, cli, tmp_path):
        """A session made by the library has no recorded file: --file supplies (and records) it."""
        store = SQLiteSessionStore(tmp_path / ".agentcharts" / "sessions.db")
        result = load_graph(WEATHER, store=store, session_id="lib")("What is the weather?")
        store.close()
        assert Status.INTERRUPTED == result.status
        code, _, err = cli("resume", "lib")
        assert (
            "agentcharts: error: no graph file is recorded for session 'lib'; pass --file FILE\n"
            == err
        )
        code, out, _ = cli("resume", "lib", "--file", WEATHER, "--respond", "weather_approval=Rome")
        assert 0 == code
        assert "Weather in Rome: sunny" in out
        assert (tmp_path / ".agentcharts" / "sessions.db.runs" / "lib.json").exists()


class TestExamples:
    @pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
    def test_every_example_runs_offline(self, tmp_path, path):
        """Each example runs end to end with --respond, offline, in a fresh process."""
        done = agentcharts(
            "run",
            path,
            "--non-interactive",
            "--respond",
            "weather_approval=Seattle",
            "--respond",
            "approve_download=yes",
            cwd=tmp_path,
        )
        assert 0 == done.returncode, done.stdout + done.stderr
        assert "completed: " in done.stdout
