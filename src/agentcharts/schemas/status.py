"""State names shared by the lifecycle machines and the persisted records: one source of truth."""

from __future__ import annotations

import enum

__all__ = ["InterruptStatus", "Status", "ToolCallStatus"]


class Status(enum.StrEnum):
    """
    The status of a graph or of a node; each value is one state of its lifecycle.

    .. versionadded:: 0.1
    """

    PENDING = "pending"
    """Not started yet (or reset for a revisit)."""
    EXECUTING = "executing"
    """Running now."""
    INTERRUPTED = "interrupted"
    """Waiting for a human's response to one or more interrupts."""
    COMPLETED = "completed"
    """Finished with a result."""
    FAILED = "failed"
    """Finished with an error."""


class ToolCallStatus(enum.StrEnum):
    """The state of one tool call in its lifecycle."""

    PENDING = "pending"
    """Requested by the model, not started."""
    RUNNING = "running"
    """An attempt is running."""
    RETRY_WAIT = "retry_wait"
    """An attempt failed or timed out and the retry policy admitted another; waiting to retry."""
    SUCCEEDED = "succeeded"
    """Returned a result."""
    FAILED = "failed"
    """Raised, and no retry is left."""
    TIMED_OUT = "timed_out"
    """Ran past its timeout, and no retry is left."""
    INTERRUPTED = "interrupted"
    """Raised an interrupt; runs again when every interrupt it raised is settled."""
    CANCELLED = "cancelled"
    """Cancelled before it ran (for example by a hook that rejected it)."""


class InterruptStatus(enum.StrEnum):
    """The state of one interrupt in its lifecycle."""

    PENDING = "pending"
    """Waiting for a response."""
    ANSWERED = "answered"
    """A response was given."""
    REJECTED = "rejected"
    """A response was given, and the tool or hook decided from it not to proceed."""
    CANCELLED = "cancelled"
    """Withdrawn without a response (its node failed or was cancelled)."""
    EXPIRED = "expired"
    """Its deadline passed without a response."""
