"""Tests for `agentcharts.runtime.concurrency.redis` across real processes sharing one limit."""

from __future__ import annotations

import json
import signal
import time

import pytest
from scaleout_support import REDIS_URL, finish, start, wait_until

from agentcharts.runtime.concurrency import LimitStats
from agentcharts.runtime.concurrency.redis import RedisConcurrencyRegistry

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def most_at_once(holds):
    """The largest number of ``[enter, exit]`` intervals that overlap at one instant."""
    events = sorted([(enter, 1) for enter, _ in holds] + [(leave, -1) for _, leave in holds])
    now = most = 0
    for _, step in events:  # at a tie an exit (-1) sorts first: touching is not overlapping
        now += step
        most = max(most, now)
    return most


@pytest.fixture
def registry(prefix):
    """The test's own registry (the "parent host")."""
    opened = RedisConcurrencyRegistry(REDIS_URL, prefix=prefix, lease_seconds=1.0)
    yield opened
    opened.close()


class TestSharedLimit:
    def test_never_more_holders_than_the_limit(self, registry, prefix, tmp_path):
        """Threads and tasks of four processes never hold more slots than the limit of 3."""
        registry.set_limit("researcher", 3)
        go = tmp_path / "go"
        workers = [
            start(
                "limit_worker.py",
                "contend",
                REDIS_URL,
                prefix,
                "researcher",
                mode,
                2,
                4,
                tmp_path / f"log{index}.json",
                go,
            )
            for index, mode in enumerate(["sync", "async", "sync", "async"])
        ]
        go.touch()
        for worker in workers:
            finish(worker)
        holds = [
            hold for i in range(4) for hold in json.loads((tmp_path / f"log{i}.json").read_text())
        ]
        assert 4 * 2 * 4 == len(holds)
        assert 3 == most_at_once(holds)
        assert LimitStats(3, 0, 0) == registry.stats("researcher")

    def test_first_come_first_served_across_processes(
        self, registry, prefix, redis_client, tmp_path
    ):
        """Processes that queued one after another are admitted in that order."""
        registry.set_limit("db", 1)
        holder = registry.acquire_sync("db")
        order_key = f"{prefix}:test-order"
        tags = ["c", "a", "d", "b"]
        workers = {
            tag: start(
                "limit_worker.py", "queue", REDIS_URL, prefix, "db", tag, order_key, tmp_path / tag
            )
            for tag in tags
        }
        for queued, tag in enumerate(tags, start=1):
            (tmp_path / tag).touch()
            wait_until(lambda: registry.stats("db").waiting == queued, process=workers[tag])  # noqa: B023 - used at once
        holder.release()
        for worker in workers.values():
            finish(worker)
        assert tags == redis_client.lrange(order_key, 0, -1)

    def test_a_killed_holders_slot_returns_after_its_lease(self, registry, prefix, tmp_path):
        """A holder killed with SIGKILL keeps its slot until its lease runs out, then frees it."""
        registry.set_limit("db", 1)
        ready = tmp_path / "ready"
        worker = start("limit_worker.py", "hold", REDIS_URL, prefix, "db", 0.6, ready)
        try:
            wait_until(ready.exists, process=worker)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.communicate(timeout=30)
        killed_at = time.monotonic()
        assert registry.try_acquire("db") is None  # the lease outlives the process
        permit = registry.acquire_sync("db", timeout=15)
        waited = time.monotonic() - killed_at
        assert 0.2 < waited < 10
        assert LimitStats(1, 1, 0) == registry.stats("db")
        permit.release()
