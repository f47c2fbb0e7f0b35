"""
The agent: a model, its tools and hooks, one conversation, and the result of an invocation.

``Agent`` runs the model/tool loop of one turn after another; a tool or a hook can interrupt it,
and it resumes at the interrupted tool call. ``AgentResult`` is what an invocation returns, and
``StopReason`` says why it stopped. Hooks live in :mod:`agentcharts.runtime.hooks` and tools in
:mod:`agentcharts.runtime.tools`.
"""

from __future__ import annotations

from agentcharts.runtime.agent._agent import Agent
from agentcharts.runtime.agent._results import AgentResult, StopReason

__all__ = ["Agent", "AgentResult", "StopReason"]
