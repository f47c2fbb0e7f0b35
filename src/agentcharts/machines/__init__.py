"""The declared lifecycles: their states, the events between them, and the guards on them."""

from __future__ import annotations

from agentcharts.machines._base import Lifecycle, TransitionRecorder
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
    "LIFECYCLES",
    "GraphLifecycle",
    "InterruptLifecycle",
    "Lifecycle",
    "NodeLifecycle",
    "ToolCallLifecycle",
    "TransitionRecorder",
    "graphviz_available",
    "lifecycles_markdown",
    "render_lifecycle",
]
