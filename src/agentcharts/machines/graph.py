"""The lifecycle of one graph run."""

from __future__ import annotations

from statemachine import State

from agentcharts.machines._base import Lifecycle
from agentcharts.schemas.status import Status

__all__ = ["GraphLifecycle"]


class GraphLifecycle(Lifecycle):
    """
    A graph run: pending, executing, interrupted while humans answer, then completed or failed.

    The subject is the graph's run record; its ``status`` is a :class:`~agentcharts.Status`.
    """

    kind = "graph"

    pending = State(initial=True, value=Status.PENDING)
    """Built, not started."""
    executing = State(value=Status.EXECUTING)
    """Nodes are running."""
    interrupted = State(value=Status.INTERRUPTED)
    """Stopped with pending interrupts; a resume continues it."""
    completed = State(final=True, value=Status.COMPLETED)
    """Every reachable node has finished."""
    failed = State(final=True, value=Status.FAILED)
    """A node failed, or a limit was exceeded."""

    start = pending.to(executing)
    """Begin running the entry points."""
    interrupt = executing.to(interrupted)
    """Stop because at least one node waits for a human."""
    resume = interrupted.to(executing)
    """Continue with the responses given."""
    complete = executing.to(completed)
    """Finish: nothing is left to run."""
    fail = executing.to(failed) | interrupted.to(failed)
    """Finish with an error."""
