"""Write graph files and tool modules into a test's directory."""

from __future__ import annotations

import itertools
import textwrap

_counter = itertools.count()


def unique_module(prefix="gf_tools"):
    """A module name no other test uses, so sys.modules never hands back a stale one."""
    return f"{prefix}_{next(_counter)}_{id(_counter)}"


def write(directory, name, text):
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


SCRIPTED_AGENT = """
agents:
  w:
    model: {type: scripted, turns: ["hi"]}
nodes:
  a: {agent: w}
"""
