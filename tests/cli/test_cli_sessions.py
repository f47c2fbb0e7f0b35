"""Tests for `agentcharts.cli.sessions`: `agentcharts sessions list` and `sessions show`."""

from __future__ import annotations

from cli_helpers import EXAMPLES, normalize, write

from agentcharts import SQLiteSessionStore

RESEARCH = EXAMPLES / "research.yaml"


class TestShow:
    def test_interrupted_then_completed(self, cli, tmp_path, snapshot):
        """The summary shows status, nodes and states, pending interrupts, then the result."""
        assert 3 == cli("run", RESEARCH, "--session", "r1", "--non-interactive")[0]
        code, waiting, _ = cli("sessions", "show", "r1")
        assert 0 == code
        assert normalize(waiting, tmp_path) == snapshot(name="interrupted")
        assert 0 == cli("resume", "r1", "--respond", "approve_download=no")[0]
        code, done, _ = cli("sessions", "show", "r1")
        assert normalize(done, tmp_path) == snapshot(name="completed")

    def test_failed_session(self, cli, tmp_path, snapshot):
        """A failed run shows its error and the failed node's error."""
        write(tmp_path, "boom_tools.py", "def boom(state):\n    raise ValueError('no luck')\n")
        write(tmp_path, "boom.yaml", "task: go\nnodes:\n  boom: {function: 'boom_tools:boom'}\n")
        assert 4 == cli("run", "boom.yaml", "--session", "b1")[0]
        code, out, _ = cli("sessions", "show", "b1")
        assert 0 == code
        assert normalize(out, tmp_path) == snapshot

    def test_unknown_session(self, cli):
        """An unknown session is one line on stderr."""
        cli("run", RESEARCH, "--session", "r1", "--non-interactive")
        code, _, err = cli("sessions", "show", "r2")
        assert 1 == code
        assert (
            "agentcharts: error: no session 'r2' in .agentcharts/sessions.db (see: agentcharts sessions list)\n"
            == err
        )


class TestList:
    def test_lists_every_session(self, cli, tmp_path):
        """Each session is a row: id, status, version, save time, graph file."""
        code, out, _ = cli("sessions", "list")
        assert (0, "no sessions: the store .agentcharts/sessions.db does not exist yet\n") == (
            code,
            out,
        )
        cli("run", RESEARCH, "--session", "r1", "--non-interactive")
        cli("run", EXAMPLES / "weather.yaml", "--session", "w1", "--respond", "weather_approval=x")
        code, out, _ = cli("sessions", "list")
        store = SQLiteSessionStore(tmp_path / ".agentcharts" / "sessions.db")
        versions = {s.session_id: str(s.version) for s in store.list_sessions()}
        store.close()
        assert [
            ["SESSION", "STATUS", "VERSION", "SAVED", "GRAPH"],
            ["r1", "interrupted", versions["r1"], "<time>", "<repo>/examples/research.yaml"],
            ["w1", "completed", versions["w1"], "<time>", "<repo>/examples/weather.yaml"],
        ] == [line.split() for line in normalize(out, tmp_path).splitlines()]
        assert out.splitlines()[1].startswith(f"r1       interrupted  {versions['r1']:<9}2")

    def test_file_store_directory(self, cli, tmp_path):
        """A directory store works the same way."""
        (tmp_path / "dir-store").mkdir()
        cli("run", RESEARCH, "--session", "r1", "--store", "dir-store", "--non-interactive")
        code, out, _ = cli("sessions", "list", "--store", "dir-store")
        assert 0 == code
        assert "r1       interrupted" in out
        code, out, _ = cli("sessions", "list", "--store", "empty.db")
        assert "no sessions: the store empty.db does not exist yet\n" == out
