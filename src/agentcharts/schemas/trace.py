"""The record of one lifecycle transition, as listeners see it and sessions persist it."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

__all__ = ["TransitionRecord"]


@frozen
class TransitionRecord:
    """One transition of one lifecycle machine."""

    machine: str
    """The machine kind: ``"graph"``, ``"node"``, ``"tool_call"`` or ``"interrupt"``."""
    machine_id: str
    """The id of the object the machine tracks (a node id, a tool call id...)."""
    source: str
    """The state before the transition."""
    event: str
    """The event that caused it."""
    target: str
    """The state after the transition."""
    at: datetime
    """When it happened (UTC)."""
