"""Hook events of a graph run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import define, field

from agentcharts.exceptions import DefinitionError
from agentcharts.runtime.graph._results import GraphState, NodeResult
from agentcharts.runtime.hooks import HookEvent

__all__ = ["AfterNodeCallEvent", "BeforeNodeCallEvent"]


@define
class BeforeNodeCallEvent(HookEvent):
    """
    A node is about to execute (or resume).

    A callback may ask a human first with :meth:`interrupt`; given the response, it may
    cancel the node by setting :attr:`cancel_node` to a message (or ``True``): the node then
    fails with that message instead of running.
    """

    graph: Any
    """The graph."""
    node_id: str
    """The node."""
    state: GraphState
    """The graph's progress."""
    cancel_node: str | bool = False
    """Set to a message (or ``True``) to cancel the node."""
    _interrupt: Callable[[str, Any], Any] | None = field(
        default=None, repr=False, alias="_interrupt"
    )

    def interrupt(self, name: str, reason: Any = None) -> Any:
        """
        Ask a human, and return the response once one is given.

        The first time, the node stops INTERRUPTED without running; on resume the hook runs
        again and this returns the response.

        Args:
            name: The interrupt's name, unique among this hook's interrupts for this node.
            reason: Why it is asked: any JSON value, shown to the human.
        """
        if self._interrupt is None:
            msg = "this event was not created by a graph run and cannot interrupt"
            raise DefinitionError(msg)
        return self._interrupt(name, reason)


@define
class AfterNodeCallEvent(HookEvent):
    """A node has completed, failed or interrupted."""

    reverse_order = True
    graph: Any
    """The graph."""
    node_id: str
    """The node."""
    result: NodeResult
    """Its result so far."""
