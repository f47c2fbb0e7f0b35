"""Graphs of agents, nested graphs and functions, run as explicit lifecycles."""

from __future__ import annotations

from agentcharts.runtime.graph._builder import GraphBuilder
from agentcharts.runtime.graph._graph import Edge, Graph, InterruptMode
from agentcharts.runtime.graph._hooks import AfterNodeCallEvent, BeforeNodeCallEvent
from agentcharts.runtime.graph._journal import Durability
from agentcharts.runtime.graph._replay import load_stored_session
from agentcharts.runtime.graph._results import GraphResult, GraphState, NodeResult

__all__ = [
    "AfterNodeCallEvent",
    "BeforeNodeCallEvent",
    "Durability",
    "Edge",
    "Graph",
    "GraphBuilder",
    "GraphResult",
    "GraphState",
    "InterruptMode",
    "NodeResult",
    "load_stored_session",
]
