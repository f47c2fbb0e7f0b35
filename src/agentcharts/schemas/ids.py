"""Typed identifiers: plain strings at run time, distinct types for the type checker."""

from __future__ import annotations

from typing import NewType

__all__ = ["GraphID", "InterruptID", "NodeID", "RunID", "SessionID", "ToolCallID"]

GraphID = NewType("GraphID", str)
"""Identifies a graph definition; nested graphs are addressed by their node path."""

NodeID = NewType("NodeID", str)
"""Identifies a node inside one graph, as given to ``GraphBuilder.add_node``."""

RunID = NewType("RunID", str)
"""Identifies one invocation of a graph or agent."""

ToolCallID = NewType("ToolCallID", str)
"""Identifies one tool use requested by a model (its ``toolUseId``)."""

InterruptID = NewType("InterruptID", str)
"""Identifies one interrupt; deterministic per (owner, tool use, interrupt name)."""

SessionID = NewType("SessionID", str)
"""Identifies a persisted session in a session store."""
