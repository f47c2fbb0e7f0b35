"""The lifecycle of one node of a graph."""

from __future__ import annotations

from statemachine import State

from agentcharts.machines._base import Lifecycle
from agentcharts.schemas.status import Status

__all__ = ["NodeLifecycle"]


class NodeLifecycle(Lifecycle):
    """
    A node: pending, executing (holding a concurrency slot), interrupted, completed or failed.

    Entering ``executing`` is guarded by ``slot_held``: the subject answers whether the node
    holds a slot of its agent's concurrency limit. The runtime acquires the slot before it
    sends ``start`` or ``resume`` and releases it on every way out of ``executing``, so an
    interrupted node never holds capacity. A completed node goes back to ``pending`` when a
    cycle revisits it.
    """

    kind = "node"

    pending = State(initial=True, value=Status.PENDING)
    """Waiting for its dependencies (or reset for a revisit)."""
    executing = State(value=Status.EXECUTING)
    """Running, and holding a concurrency slot."""
    interrupted = State(value=Status.INTERRUPTED)
    """Waiting for responses to its interrupts; holds no slot."""
    completed = State(value=Status.COMPLETED)
    """Finished with a result; a cycle may revisit it."""
    failed = State(final=True, value=Status.FAILED)
    """Finished with an error, a timeout, or cancelled by a hook."""

    start = pending.to(executing, cond="slot_held")
    """Begin executing; only while the node holds a concurrency slot."""
    interrupt = executing.to(interrupted)
    """Stop to wait for a human."""
    resume = interrupted.to(executing, cond="slot_held")
    """Continue with the responses; only while the node holds a concurrency slot again."""
    complete = executing.to(completed)
    """Finish with a result."""
    fail = executing.to(failed) | interrupted.to(failed)
    """Finish with an error or a timeout."""
    cancel = pending.to(failed) | executing.to(failed) | interrupted.to(failed)
    """Give up on the node (a hook cancelled it, or its run was abandoned)."""
    revisit = completed.to(pending)
    """Make a completed node runnable again, when a cycle leads back to it."""
    recover = executing.to(pending)
    """Make a node runnable again whose execution was lost (its process stopped mid-run)."""
