"""The declared lifecycles (states, events, guards by name) and the engines that drive them.

Each lifecycle is a python-statemachine ``StateChart``: the single declaration behind every
diagram, table and machine. The runtime binds one to its subject with :func:`bind`, which
by default compiles the class once into a :class:`TransitionTable` and returns a tiny
:class:`CompiledMachine`; ``set_engine("reference")`` (or ``AGENTCHARTS_ENGINE=reference``)
makes it return python-statemachine's own machine instead.
"""

from __future__ import annotations

from agentcharts.machines._base import Lifecycle, TransitionRecorder
from agentcharts.machines._engine import (
    ENGINE_VARIABLE,
    ENGINES,
    CompiledMachine,
    Engine,
    Machine,
    bind,
    engine,
    set_engine,
)
from agentcharts.machines._table import TransitionTable, compile_lifecycle
from agentcharts.machines.diagrams import (
    LIFECYCLES,
    graphviz_available,
    lifecycles_markdown,
    render_lifecycle,
)
from agentcharts.machines.graph import GraphLifecycle
from agentcharts.machines.interrupt import InterruptLifecycle
from agentcharts.machines.node import NodeLifecycle
from agentcharts.machines.tool_call import ToolCallLifecycle

__all__ = [
    "ENGINES",
    "ENGINE_VARIABLE",
    "LIFECYCLES",
    "CompiledMachine",
    "Engine",
    "GraphLifecycle",
    "InterruptLifecycle",
    "Lifecycle",
    "Machine",
    "NodeLifecycle",
    "ToolCallLifecycle",
    "TransitionRecorder",
    "TransitionTable",
    "bind",
    "compile_lifecycle",
    "engine",
    "graphviz_available",
    "lifecycles_markdown",
    "render_lifecycle",
    "set_engine",
]
