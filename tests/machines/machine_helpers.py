"""Helpers for the lifecycle tests: a subject that answers guards, and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Subject:
    """A subject for any lifecycle: holds the status, answers every guard from flags."""

    def __init__(self, status=None, *, slot=True, retry=True):
        self.status = status
        self.slot = slot
        self.retry = retry
        self.retry_kinds: list[str] = []

    def slot_held(self) -> bool:
        return self.slot

    def retry_allowed(self, error_kind: str = "error") -> bool:
        self.retry_kinds.append(error_kind)
        return self.retry


class FixedClock:
    """A clock that advances one second per reading, from a fixed instant."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now
