"""
Concurrency limits: named, first-come-first-served slots shared by threads, tasks and loops.

``ConcurrencyRegistry`` is the in-process registry (``_registry``), with its waiters
(``_waiters``) and the ``Slot`` context manager (``_slot``) that both registries share.
``ConcurrencyLimiter`` is the protocol a graph needs of a registry. The Redis-backed registry,
which shares limits across processes and hosts, is in :mod:`agentcharts.runtime.concurrency.redis`.
"""

from __future__ import annotations

from agentcharts.runtime.concurrency._registry import (
    ConcurrencyLimiter,
    ConcurrencyRegistry,
    HeldSlot,
    LimitStats,
    Permit,
)
from agentcharts.runtime.concurrency._slot import Slot

__all__ = [
    "ConcurrencyLimiter",
    "ConcurrencyRegistry",
    "HeldSlot",
    "LimitStats",
    "Permit",
    "Slot",
]
