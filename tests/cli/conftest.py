"""Fixtures for the command line tests."""

from __future__ import annotations

import sys

import pytest

from agentcharts.cli import main


@pytest.fixture(autouse=True)
def _restore_sys_path(monkeypatch):
    """Building a graph file puts its directory on sys.path; undo that after each test."""
    monkeypatch.setattr(sys, "path", list(sys.path))


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Run ``main(args)`` in-process in ``tmp_path``; return ``(code, stdout, stderr)``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTCHARTS_STORE", raising=False)

    def run(*args, stdin=None):
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
