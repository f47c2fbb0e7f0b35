"""Run the agentcharts command as a user does (a subprocess) or in-process, and tidy output."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d( UTC)?")
_VERSION = re.compile(r"version \d+,")
_SECONDS = re.compile(r"in \d+\.\d\ds")


def command_env():
    env = dict(os.environ)
    env.pop("AGENTCHARTS_STORE", None)
    return env


def agentcharts(*args, cwd, stdin_text=None, timeout=60):
    """Run ``python -m agentcharts ARGS`` in ``cwd`` and wait; ``stdin_text`` is typed in."""
    return subprocess.run(
        [sys.executable, "-m", "agentcharts", *map(str, args)],
        cwd=cwd,
        input=stdin_text,
        stdin=None if stdin_text is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=command_env(),
        check=False,
    )


def start(*args, cwd):
    """Start ``python -m agentcharts ARGS`` without waiting."""
    return subprocess.Popen(
        [sys.executable, "-m", "agentcharts", *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_env(),
    )


def normalize(text, tmp_path):
    """Replace the paths, times and durations that change from run to run."""
    text = text.replace(str(tmp_path.resolve()), "<tmp>").replace(str(ROOT), "<repo>")
    text = _TIME.sub("<time>", text)
    text = _VERSION.sub("version <n>,", text)  # group commit: how many writes depends on timing
    return _SECONDS.sub("in <seconds>", text)


def write(directory, name, text):
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


SLOW_GRAPH = """
task: go
models:
  first_script: {type: scripted, turns: [[{name: count}], "first done"]}
  second_script: {type: scripted, turns: [[{name: nap}], "second done"]}
agents:
  first: {model: first_script, tools: ["MODULE:count"]}
  second: {model: second_script, tools: ["MODULE:nap"]}
nodes:
  first: {agent: first}
  second: {agent: second}
edges: [{from: first, to: second}]
"""

SLOW_TOOLS = """
import pathlib
import time

from agentcharts import tool


@tool
def count() -> str:
    '''Record that the first node's tool ran.'''
    with open("first-calls", "a") as calls:
        calls.write("x")
    return "counted"


@tool
def nap() -> str:
    '''Sleep for a long time, but only the first time.'''
    marker = pathlib.Path("napped")
    if not marker.exists():
        marker.write_text("x")
        time.sleep(60)
    return "rested"
"""


def slow_graph(directory, module):
    """A two-node graph whose second node hangs the first time it runs."""
    write(directory, f"{module}.py", SLOW_TOOLS)
    return write(directory, "slow.yaml", SLOW_GRAPH.replace("MODULE", module))
