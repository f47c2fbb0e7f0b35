"""The lifecycle of one tool call."""

from __future__ import annotations

from statemachine import State

from agentcharts.machines._base import Lifecycle
from agentcharts.schemas.status import ToolCallStatus

__all__ = ["ToolCallLifecycle"]


class ToolCallLifecycle(Lifecycle):
    """
    A tool call: each attempt runs, then succeeds, fails, times out or interrupts.

    ``running`` covers the before-tool-call hooks and the tool body; a hook may interrupt or
    cancel the call there. A failed or timed-out attempt goes to ``retry_wait`` when the guard
    ``retry_allowed`` admits it; the subject answers from its retry policy, given the
    ``error_kind`` sent with the event. Otherwise the call ends ``failed`` or ``timed_out``.
    An interrupted call runs again (``resume``) once its interrupts are settled.
    """

    kind = "tool_call"

    pending = State(initial=True, value=ToolCallStatus.PENDING)
    """Requested by the model, not started."""
    running = State(value=ToolCallStatus.RUNNING)
    """An attempt is running."""
    retry_wait = State(value=ToolCallStatus.RETRY_WAIT)
    """Waiting out the backoff before the next attempt."""
    interrupted = State(value=ToolCallStatus.INTERRUPTED)
    """The tool raised an interrupt and waits for its response."""
    succeeded = State(final=True, value=ToolCallStatus.SUCCEEDED)
    """The tool returned a result."""
    failed = State(final=True, value=ToolCallStatus.FAILED)
    """The tool raised, and no retry is left."""
    timed_out = State(final=True, value=ToolCallStatus.TIMED_OUT)
    """The tool ran past its timeout, and no retry is left."""
    cancelled = State(final=True, value=ToolCallStatus.CANCELLED)
    """The call was cancelled (a hook rejected it, or its run was abandoned)."""

    start = pending.to(running)
    """Start the first attempt."""
    succeed = running.to(succeeded)
    """The attempt returned a result."""
    fail = running.to(retry_wait, cond="retry_allowed") | running.to(failed)
    """The attempt raised: wait and retry if the policy admits it, else fail."""
    time_out = running.to(retry_wait, cond="retry_allowed") | running.to(timed_out)
    """The attempt ran past its timeout: wait and retry if the policy admits it, else end."""
    retry = retry_wait.to(running)
    """Start the next attempt."""
    interrupt = running.to(interrupted)
    """The tool raised an interrupt."""
    resume = interrupted.to(running)
    """Run the tool again now that its interrupts are settled."""
    cancel = (
        pending.to(cancelled)
        | running.to(cancelled)
        | retry_wait.to(cancelled)
        | interrupted.to(cancelled)
    )
    """Give up on the call: a before-tool-call hook cancelled it, or its run was abandoned."""
