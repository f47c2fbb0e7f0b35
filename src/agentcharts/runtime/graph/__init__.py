"""Graphs of agents, nested graphs and functions, run as explicit lifecycles."""

from __future__ import annotations

from agentcharts.runtime.graph._builder import GraphBuilder
from agentcharts.runtime.graph._graph import Edge, Graph, InterruptMode
from agentcharts.runtime.graph._hooks import AfterNodeCallEvent, BeforeNodeCallEvent
from agentcharts.runtime.graph._results import GraphResult, GraphState, NodeResult

__all__ = [
    "AfterNodeCallEvent",
    "BeforeNodeCallEvent",
    "Edge",
    "Graph",
    "GraphBuilder",
    "GraphResult",
    "GraphState",
    "InterruptMode",
    "NodeResult",
]
