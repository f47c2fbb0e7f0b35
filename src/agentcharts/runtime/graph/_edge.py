"""An edge of a graph: a source, a target, and an optional condition on the graph state."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from agentcharts.runtime.graph._results import GraphState

__all__ = ["Edge"]


class Edge:
    """A directed edge, with an optional condition on the graph state."""

    __slots__ = ("condition", "source", "target")

    def __init__(
        self, source: str, target: str, condition: Callable[[GraphState], bool] | None
    ) -> None:
        """Build an edge from ``source`` to ``target``."""
        self.source = source
        self.target = target
        self.condition = condition
