"""The lifecycle of one interrupt."""

from __future__ import annotations

from statemachine import State

from agentcharts.machines._base import Lifecycle
from agentcharts.schemas.status import InterruptStatus

__all__ = ["InterruptLifecycle"]


class InterruptLifecycle(Lifecycle):
    """
    An interrupt: pending until a response arrives, it is withdrawn, or its deadline passes.

    An answered interrupt becomes ``rejected`` when the tool or hook that raised it decides
    from the response not to proceed. Every state but ``pending`` counts as settled.
    """

    kind = "interrupt"

    pending = State(initial=True, value=InterruptStatus.PENDING)
    """Waiting for a response."""
    answered = State(value=InterruptStatus.ANSWERED)
    """A response was given."""
    rejected = State(final=True, value=InterruptStatus.REJECTED)
    """The response led the tool or hook not to proceed."""
    cancelled = State(final=True, value=InterruptStatus.CANCELLED)
    """Withdrawn without a response."""
    expired = State(final=True, value=InterruptStatus.EXPIRED)
    """Its deadline passed without a response."""

    answer = pending.to(answered)
    """A response arrived."""
    reject = answered.to(rejected)
    """The tool or hook refused to proceed, given the response."""
    cancel = pending.to(cancelled)
    """Withdraw the interrupt."""
    expire = pending.to(expired)
    """The deadline passed."""
