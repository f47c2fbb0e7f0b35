"""Tests for `agentcharts.runtime.concurrency`."""

from __future__ import annotations

import asyncio
import gc
import signal
import threading
import time

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentcharts.exceptions import (
    AcquireTimeoutError,
    ConcurrencyError,
    InvalidSettingError,
    LoopBlockingError,
    UnmatchedReleaseError,
)
from agentcharts.runtime.concurrency import ConcurrencyRegistry, LimitStats, Permit


class Gauge:
    """Counts the holders inside a critical section and remembers the most at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def enter(self):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self):
        with self.lock:
            self.now -= 1


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


async def await_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.005)


def start_thread(target, *args):
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


class TestLimits:
    def test_set_get_remove(self):
        """A limit can be set, read, changed and removed; unknown names are unlimited."""
        registry = ConcurrencyRegistry()
        assert registry.get_limit("a") is None
        registry.set_limit("a", 2)
        assert 2 == registry.get_limit("a")
        registry.set_limit("a", 5)
        assert 5 == registry.get_limit("a")
        registry.remove_limit("a")
        assert registry.get_limit("a") is None
        registry.remove_limit("never-set")
        assert "<ConcurrencyRegistry limits={}>" == repr(registry)

    @pytest.mark.parametrize("bad", [0, -1, True, False, 1.5, 2.0, "2", None])
    def test_invalid_limits_are_refused(self, bad):
        """Only a positive int is a limit: bools, floats, strings and non-positive ints raise."""
        registry = ConcurrencyRegistry()
        with pytest.raises(InvalidSettingError, match="limit must be a positive int") as info:
            registry.set_limit("a", bad)
        assert bad is info.value.value
        assert registry.get_limit("a") is None

    @pytest.mark.parametrize("bad", ["", None, 3])
    def test_invalid_names_are_refused(self, bad):
        """A name must be a non-empty string."""
        registry = ConcurrencyRegistry()
        with pytest.raises(InvalidSettingError, match="name must be a non-empty string"):
            registry.set_limit(bad, 1)
        with pytest.raises(InvalidSettingError):
            registry.try_acquire(bad)

    @pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), True, "1"])
    def test_invalid_timeouts_are_refused(self, bad):
        """An acquire timeout is a finite number of seconds >= 0, or None."""
        registry = ConcurrencyRegistry()
        with pytest.raises(InvalidSettingError, match="timeout"):
            registry.acquire_sync("a", timeout=bad)

    def test_stats_snapshot(self):
        """stats() reports the limit, the holders and the waiters, as frozen data."""
        registry = ConcurrencyRegistry()
        assert LimitStats(limit=None, held=0, waiting=0) == registry.stats("nobody")
        registry.set_limit("a", 1)
        permit = registry.acquire_sync("a")
        waiter = start_thread(registry.acquire_sync, "a")
        wait_until(lambda: registry.stats("a").waiting == 1)
        stats = registry.stats("a")
        assert LimitStats(limit=1, held=1, waiting=1) == stats
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            stats.held = 0  # type: ignore[misc]
        permit.release()
        waiter.join(5)
        assert LimitStats(limit=1, held=1, waiting=0) == registry.stats("a")
        registry.release("a")
        assert LimitStats(limit=1, held=0, waiting=0) == registry.stats("a")


class TestUnlimited:
    def test_unlimited_name_admits_everyone_and_counts_them(self):
        """A name with no limit never blocks, but its permits are counted and released."""
        registry = ConcurrencyRegistry()
        permits = [registry.acquire_sync("free") for _ in range(5)]
        assert LimitStats(None, 5, 0) == registry.stats("free")
        for permit in permits:
            permit.release()
        assert LimitStats(None, 0, 0) == registry.stats("free")
        with pytest.raises(UnmatchedReleaseError):
            registry.release("free")

    @pytest.mark.asyncio
    async def test_unlimited_async_acquire(self):
        """The async acquire of an unlimited name returns at once."""
        registry = ConcurrencyRegistry()
        permit = await registry.acquire("free", timeout=0)
        assert 1 == registry.stats("free").held
        permit.release()
        assert 0 == registry.stats("free").held


class TestSyncAcquire:
    def test_many_threads_never_exceed_the_limit(self):
        """Ten threads on a limit of 2: the most holders at once is exactly 2, none fail."""
        registry = ConcurrencyRegistry()
        registry.set_limit("db", 2)
        gauge = Gauge()
        errors = []

        def work():
            try:
                for _ in range(3):
                    with registry.acquire_sync("db"):
                        gauge.enter()
                        time.sleep(0.01)
                        gauge.leave()
            except Exception as error:
                errors.append(error)

        threads = [start_thread(work) for _ in range(10)]
        for thread in threads:
            thread.join(10)
        assert [] == errors
        assert 2 == gauge.most
        assert LimitStats(2, 0, 0) == registry.stats("db")

    def test_timeout_raises_and_leaves_no_waiter(self):
        """A sync acquire that times out raises AcquireTimeoutError and is no longer queued."""
        registry = ConcurrencyRegistry()
        registry.set_limit("db", 1)
        holder = registry.acquire_sync("db")
        started = time.monotonic()
        with pytest.raises(AcquireTimeoutError) as info:
            registry.acquire_sync("db", timeout=0.1)
        assert time.monotonic() - started >= 0.09
        assert ("db", 0.1) == (info.value.name, info.value.timeout_s)
        assert isinstance(info.value, TimeoutError)
        assert LimitStats(1, 1, 0) == registry.stats("db")
        with pytest.raises(AcquireTimeoutError, match="within 0s"):
            registry.acquire_sync("db", timeout=0)
        holder.release()
        assert 0 == registry.stats("db").held

    def test_ctrl_c_while_waiting_leaves_no_waiter(self):
        """A KeyboardInterrupt in a blocked acquire_sync withdraws the waiter."""
        registry = ConcurrencyRegistry()
        registry.set_limit("db", 1)
        holder = registry.acquire_sync("db")
        main = threading.main_thread().ident

        def interrupt():
            wait_until(lambda: registry.stats("db").waiting == 1)
            signal.pthread_kill(main, signal.SIGINT)

        assert threading.current_thread() is threading.main_thread()
        thread = start_thread(interrupt)
        with pytest.raises(KeyboardInterrupt):
            registry.acquire_sync("db", timeout=10)
        thread.join(5)
        assert LimitStats(1, 1, 0) == registry.stats("db")
        holder.release()
        assert LimitStats(1, 0, 0) == registry.stats("db")

    def test_try_acquire(self):
        """try_acquire takes a free slot or returns None at once."""
        registry = ConcurrencyRegistry()
        registry.set_limit("db", 1)
        first = registry.try_acquire("db")
        assert isinstance(first, Permit)
        assert registry.try_acquire("db") is None
        first.release()
        second = registry.try_acquire("db")
        assert second is not None
        second.release()

    def test_try_acquire_does_not_barge_past_waiters(self):
        """A released slot goes to the waiter, so try_acquire right after it gets nothing."""
        registry = ConcurrencyRegistry()
        registry.set_limit("db", 1)
        holder = registry.acquire_sync("db")
        got = []
        waiter = start_thread(lambda: got.append(registry.acquire_sync("db")))
        wait_until(lambda: registry.stats("db").waiting == 1)
        holder.release()
        assert registry.try_acquire("db") is None
        waiter.join(5)
        got[0].release()
        assert 0 == registry.stats("db").held


class TestLoopBlocking:
    @pytest.mark.asyncio
    async def test_exact_message_even_when_a_slot_is_free(self):
        """acquire_sync in a thread with a running loop raises the documented RuntimeError."""
        registry = ConcurrencyRegistry()
        registry.set_limit("researcher", 5)
        with pytest.raises(RuntimeError) as info:
            registry.acquire_sync("researcher")
        assert isinstance(info.value, LoopBlockingError)
        assert (
            "acquire_sync('researcher') cannot be called with a running event loop; "
            "use async acquire() in async contexts."
        ) == str(info.value)
        assert 0 == registry.stats("researcher").held

    @pytest.mark.asyncio
    async def test_raises_for_unlimited_names_and_slots_too(self):
        """The rule does not depend on the load: unlimited names and slot() raise as well."""
        registry = ConcurrencyRegistry()
        with pytest.raises(LoopBlockingError):
            registry.acquire_sync("free")
        with pytest.raises(LoopBlockingError), registry.slot("free"):
            pass
        assert LimitStats(None, 0, 0) == registry.stats("free")

    @pytest.mark.asyncio
    async def test_try_acquire_is_allowed_in_a_loop(self):
        """try_acquire never blocks, so it works on a loop thread."""
        registry = ConcurrencyRegistry()
        permit = registry.try_acquire("free")
        assert permit is not None
        permit.release()


class TestAsyncAcquire:
    @pytest.mark.asyncio
    async def test_tasks_share_a_limit(self):
        """Twenty tasks on a limit of 3 never exceed it."""
        registry = ConcurrencyRegistry()
        registry.set_limit("llm", 3)
        gauge = Gauge()

        async def work():
            async with registry.slot("llm"):
                gauge.enter()
                await asyncio.sleep(0.01)
                gauge.leave()

        async with asyncio.TaskGroup() as group:
            for _ in range(20):
                group.create_task(work())
        assert 3 == gauge.most
        assert LimitStats(3, 0, 0) == registry.stats("llm")

    @pytest.mark.asyncio
    async def test_timeout(self):
        """An async acquire that times out raises AcquireTimeoutError and leaves no waiter."""
        registry = ConcurrencyRegistry()
        registry.set_limit("llm", 1)
        holder = await registry.acquire("llm")
        with pytest.raises(AcquireTimeoutError) as info:
            await registry.acquire("llm", timeout=0.05)
        assert 0.05 == info.value.timeout_s
        with pytest.raises(AcquireTimeoutError):
            await registry.acquire("llm", timeout=0)
        assert LimitStats(1, 1, 0) == registry.stats("llm")
        holder.release()

    @pytest.mark.asyncio
    async def test_slot_handed_over_before_the_timeout_is_kept(self):
        """A waiter admitted before its timeout keeps the slot; the timer does nothing."""
        registry = ConcurrencyRegistry()
        registry.set_limit("llm", 1)
        holder = await registry.acquire("llm")
        waiter = asyncio.create_task(registry.acquire("llm", timeout=5))
        await await_until(lambda: registry.stats("llm").waiting == 1)
        holder.release()
        permit = await waiter
        assert 1 == registry.stats("llm").held
        permit.release()

    @pytest.mark.asyncio
    async def test_timer_firing_after_the_hand_over_does_nothing(self):
        """If the timeout fires just after the slot was handed over, the waiter keeps it."""
        registry = ConcurrencyRegistry()
        registry.set_limit("llm", 1)
        holder = await registry.acquire("llm")
        waiter = asyncio.create_task(registry.acquire("llm", timeout=5))
        await await_until(lambda: registry.stats("llm").waiting == 1)
        limiter = registry._limiters["llm"]
        queued = limiter.waiters[0]
        holder.release()
        registry._expire(limiter, queued, 5)  # the timer's callback, arriving late
        permit = await waiter
        assert LimitStats(1, 1, 0) == registry.stats("llm")
        permit.release()

    @pytest.mark.asyncio
    async def test_cancelled_waiter_leaves_no_slot_taken(self):
        """Cancelling a waiting task removes it from the queue; nothing leaks."""
        registry = ConcurrencyRegistry()
        registry.set_limit("llm", 1)
        holder = await registry.acquire("llm")
        waiter = asyncio.create_task(registry.acquire("llm"))
        await await_until(lambda: registry.stats("llm").waiting == 1)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert LimitStats(1, 1, 0) == registry.stats("llm")
        holder.release()
        assert LimitStats(1, 0, 0) == registry.stats("llm")

    @pytest.mark.asyncio
    async def test_slot_handed_over_as_the_waiter_is_cancelled_goes_to_the_next(self):
        """The race: a slot given to a task that is cancelled at that moment passes on."""
        registry = ConcurrencyRegistry()
        registry.set_limit("llm", 1)
        holder = await registry.acquire("llm")
        first = asyncio.create_task(registry.acquire("llm"))
        second = asyncio.create_task(registry.acquire("llm"))
        await await_until(lambda: registry.stats("llm").waiting == 2)
        holder.release()  # hands the slot to `first`...
        first.cancel()  # ...which is cancelled before it could run
        with pytest.raises(asyncio.CancelledError):
            await first
        async with asyncio.timeout(5):
            permit = await second
        assert LimitStats(1, 1, 0) == registry.stats("llm")
        permit.release()
        assert LimitStats(1, 0, 0) == registry.stats("llm")

    @pytest.mark.asyncio
    async def test_cancelled_during_timed_wait(self):
        """Cancelling a waiter that has a timeout also leaves nothing behind."""
        registry = ConcurrencyRegistry()
        registry.set_limit("llm", 1)
        holder = await registry.acquire("llm")
        waiter = asyncio.create_task(registry.acquire("llm", timeout=10))
        await await_until(lambda: registry.stats("llm").waiting == 1)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        holder.release()
        assert LimitStats(1, 0, 0) == registry.stats("llm")

    def test_waiter_on_a_closed_loop_is_skipped(self):
        """A waiter whose loop was closed cannot take the slot: the next waiter gets it."""
        registry = ConcurrencyRegistry()
        registry.set_limit("llm", 1)
        holder = registry.acquire_sync("llm")
        loop = asyncio.new_event_loop()
        task = loop.create_task(registry.acquire("llm"))
        loop.run_until_complete(asyncio.sleep(0.01))
        assert 1 == registry.stats("llm").waiting
        got = []
        thread = start_thread(lambda: got.append(registry.acquire_sync("llm")))
        wait_until(lambda: registry.stats("llm").waiting == 2)
        loop.close()
        holder.release()
        thread.join(5)
        assert 1 == len(got)
        assert LimitStats(1, 1, 0) == registry.stats("llm")
        got[0].release()
        task._log_destroy_pending = False
        del task
        gc.collect()


class TestAcrossThreadsAndLoops:
    @pytest.mark.asyncio
    async def test_sync_holder_in_a_thread_wakes_an_async_waiter(self):
        """A slot released by a thread reaches a task waiting on a loop, promptly."""
        registry = ConcurrencyRegistry()
        registry.set_limit("x", 1)
        held = threading.Event()

        def hold():
            with registry.acquire_sync("x"):
                held.set()
                time.sleep(0.3)

        thread = start_thread(hold)
        await await_until(held.is_set)
        started = time.monotonic()
        permit = await registry.acquire("x", timeout=5)
        waited = time.monotonic() - started
        assert 0.1 < waited < 3
        permit.release()
        thread.join(5)

    @pytest.mark.asyncio
    async def test_async_holder_wakes_a_sync_waiter_in_a_thread(self):
        """A slot released on a loop reaches a thread blocked in acquire_sync."""
        registry = ConcurrencyRegistry()
        registry.set_limit("x", 1)
        holder = await registry.acquire("x")
        got = []
        thread = start_thread(lambda: got.append(registry.acquire_sync("x", timeout=5)))
        await await_until(lambda: registry.stats("x").waiting == 1)
        holder.release()
        await await_until(lambda: bool(got))
        got[0].release()
        thread.join(5)
        assert LimitStats(1, 0, 0) == registry.stats("x")

    def test_two_event_loops_in_two_threads_share_a_limit(self):
        """Tasks on two loops in two threads share one limit of 2 without errors."""
        registry = ConcurrencyRegistry()
        registry.set_limit("shared", 2)
        gauge = Gauge()
        errors = []

        async def work():
            async with registry.throttle("shared"):
                gauge.enter()
                await asyncio.sleep(0.01)
                gauge.leave()

        async def many():
            async with asyncio.TaskGroup() as group:
                for _ in range(8):
                    group.create_task(work())

        def run_loop():
            try:
                asyncio.run(many())
            except Exception as error:
                errors.append(error)

        threads = [start_thread(run_loop) for _ in range(3)]
        for thread in threads:
            thread.join(10)
        assert [] == errors
        assert 2 == gauge.most
        assert LimitStats(2, 0, 0) == registry.stats("shared")

    @pytest.mark.asyncio
    async def test_fifo_across_sync_and_async_waiters(self):
        """Waiters are admitted in arrival order, whether they are threads or tasks."""
        registry = ConcurrencyRegistry()
        registry.set_limit("q", 1)
        holder = registry.try_acquire("q")
        assert holder is not None
        order = []
        threads = []
        tasks = []

        def sync_waiter(label):
            with registry.acquire_sync("q"):
                order.append(label)

        async def async_waiter(label):
            async with registry.slot("q"):
                order.append(label)

        for index, kind in enumerate(["sync", "async", "sync", "async", "async", "sync"]):
            label = f"{kind}{index}"
            if kind == "sync":
                threads.append(start_thread(sync_waiter, label))
            else:
                tasks.append(asyncio.create_task(async_waiter(label)))
            await await_until(lambda n=index + 1: registry.stats("q").waiting == n)
        holder.release()
        for task in tasks:
            await task
        for thread in threads:
            thread.join(5)
        assert ["sync0", "async1", "sync2", "async3", "async4", "sync5"] == order

    @pytest.mark.asyncio
    async def test_a_busy_thread_cannot_starve_an_async_waiter(self):
        """A thread re-acquiring in a loop queues behind a waiting task (no barging)."""
        registry = ConcurrencyRegistry()
        registry.set_limit("hot", 1)
        stop = threading.Event()
        rounds = []

        def spin():
            while not stop.is_set():
                with registry.acquire_sync("hot"):
                    rounds.append(1)
                    time.sleep(0.001)

        thread = start_thread(spin)
        await await_until(lambda: len(rounds) > 10)
        started = time.monotonic()
        permit = await registry.acquire("hot", timeout=5)
        waited = time.monotonic() - started
        permit.release()
        stop.set()
        thread.join(5)
        assert waited < 1

    @pytest.mark.asyncio
    async def test_idle_async_waiters_cost_no_cpu(self):
        """A thousand tasks waiting for a slot use almost no CPU (nothing polls)."""
        registry = ConcurrencyRegistry()
        registry.set_limit("idle", 1)
        holder = await registry.acquire("idle")
        tasks = [asyncio.create_task(registry.acquire("idle")) for _ in range(1000)]
        await await_until(lambda: registry.stats("idle").waiting == 1000)
        cpu_before = time.process_time()
        await asyncio.sleep(0.5)
        cpu_used = time.process_time() - cpu_before
        assert cpu_used < 0.2
        for task in tasks:
            task.cancel()
        for task in tasks:
            with pytest.raises(asyncio.CancelledError):
                await task
        holder.release()
        assert LimitStats(1, 0, 0) == registry.stats("idle")


class TestChangingLimits:
    def test_raising_a_limit_admits_waiters_at_once(self):
        """Raising the limit while slots are held lets waiters in immediately."""
        registry = ConcurrencyRegistry()
        registry.set_limit("w", 1)
        holder = registry.acquire_sync("w")
        got = []
        threads = [start_thread(lambda: got.append(registry.acquire_sync("w"))) for _ in range(3)]
        wait_until(lambda: registry.stats("w").waiting == 3)
        registry.set_limit("w", 3)
        wait_until(lambda: len(got) == 2)
        assert LimitStats(3, 3, 1) == registry.stats("w")
        holder.release()
        wait_until(lambda: len(got) == 3)
        for permit in got:
            permit.release()
        for thread in threads:
            thread.join(5)
        assert LimitStats(3, 0, 0) == registry.stats("w")

    def test_lowering_a_limit_only_slows_admission(self):
        """Lowering the limit keeps holders; new callers wait until held drops below it."""
        registry = ConcurrencyRegistry()
        registry.set_limit("w", 3)
        permits = [registry.acquire_sync("w") for _ in range(3)]
        registry.set_limit("w", 1)
        assert LimitStats(1, 3, 0) == registry.stats("w")
        assert registry.try_acquire("w") is None
        got = []
        thread = start_thread(lambda: got.append(registry.acquire_sync("w")))
        wait_until(lambda: registry.stats("w").waiting == 1)
        permits[0].release()
        permits[1].release()
        assert LimitStats(1, 1, 1) == registry.stats("w")
        permits[2].release()
        thread.join(5)
        assert LimitStats(1, 1, 0) == registry.stats("w")
        got[0].release()

    def test_remove_limit_while_held_strands_nobody(self):
        """Removing a limit admits every waiter; the holders' later releases stay valid."""
        registry = ConcurrencyRegistry()
        registry.set_limit("w", 1)
        holder = registry.acquire_sync("w")
        got = []
        threads = [start_thread(lambda: got.append(registry.acquire_sync("w"))) for _ in range(2)]
        wait_until(lambda: registry.stats("w").waiting == 2)
        registry.remove_limit("w")
        for thread in threads:
            thread.join(5)
        assert LimitStats(None, 3, 0) == registry.stats("w")
        holder.release()
        for permit in got:
            permit.release()
        assert LimitStats(None, 0, 0) == registry.stats("w")

    def test_set_limit_after_remove_counts_current_holders(self):
        """Re-setting a limit after removing it never over-admits: holders still count."""
        registry = ConcurrencyRegistry()
        registry.set_limit("w", 1)
        first = registry.acquire_sync("w")
        registry.remove_limit("w")
        second = registry.acquire_sync("w")
        registry.set_limit("w", 1)
        assert registry.try_acquire("w") is None
        first.release()
        assert registry.try_acquire("w") is None
        second.release()
        third = registry.try_acquire("w")
        assert third is not None
        third.release()


class TestReleases:
    def test_stray_release_raises_and_changes_nothing(self):
        """release() with nothing held raises UnmatchedReleaseError and adds no capacity."""
        registry = ConcurrencyRegistry()
        registry.set_limit("s", 1)
        with pytest.raises(UnmatchedReleaseError) as info:
            registry.release("s")
        assert "s" == info.value.name
        assert isinstance(info.value, RuntimeError)
        first = registry.acquire_sync("s")
        assert registry.try_acquire("s") is None
        first.release()
        with pytest.raises(UnmatchedReleaseError):
            registry.release("s")
        assert LimitStats(1, 0, 0) == registry.stats("s")

    def test_permit_releases_exactly_once(self):
        """A permit's second release raises, and capacity is unchanged by it."""
        registry = ConcurrencyRegistry()
        registry.set_limit("s", 1)
        permit = registry.acquire_sync("s")
        assert "<Permit 's' held>" == repr(permit)
        permit.release()
        assert permit.released
        assert "<Permit 's' released>" == repr(permit)
        other = registry.acquire_sync("s")
        with pytest.raises(UnmatchedReleaseError):
            permit.release()
        assert LimitStats(1, 1, 0) == registry.stats("s")
        other.release()

    def test_release_by_name_settles_the_oldest_permit(self):
        """release(name) gives back the oldest permit, which then cannot be released again."""
        registry = ConcurrencyRegistry()
        old = registry.acquire_sync("s")
        new = registry.acquire_sync("s")
        registry.release("s")
        assert old.released
        assert not new.released
        with pytest.raises(UnmatchedReleaseError):
            old.release()
        new.release()
        assert LimitStats(None, 0, 0) == registry.stats("s")


class TestContextManagers:
    def test_sync_slot(self):
        """with registry.slot(name) holds a slot for the block and gives it back."""
        registry = ConcurrencyRegistry()
        registry.set_limit("c", 1)
        with registry.slot("c") as permit:
            assert isinstance(permit, Permit)
            assert 1 == registry.stats("c").held
        assert 0 == registry.stats("c").held

    def test_slot_released_on_error(self):
        """The slot is given back when the block raises."""
        registry = ConcurrencyRegistry()
        registry.set_limit("c", 1)
        with pytest.raises(ValueError, match="boom"), registry.slot("c"):
            raise ValueError("boom")
        assert 0 == registry.stats("c").held

    @pytest.mark.asyncio
    async def test_async_slot_and_throttle(self):
        """async with slot() and throttle() acquire asynchronously and release."""
        registry = ConcurrencyRegistry()
        registry.set_limit("c", 1)
        async with registry.slot("c", timeout=1):
            assert 1 == registry.stats("c").held
        async with registry.throttle("c") as permit:
            assert not permit.released
        assert 0 == registry.stats("c").held

    def test_block_may_release_early(self):
        """A permit released inside the block is not released again on exit."""
        registry = ConcurrencyRegistry()
        with registry.slot("c") as permit:
            permit.release()
        with registry.acquire_sync("c") as other:
            other.release()
        assert 0 == registry.stats("c").held

    def test_one_slot_object_per_block(self):
        """Entering a slot object that is already entered raises ConcurrencyError."""
        registry = ConcurrencyRegistry()
        slot = registry.slot("c")
        with slot, pytest.raises(ConcurrencyError, match="already entered"), slot:
            pass
        assert 0 == registry.stats("c").held
        with slot:
            assert 1 == registry.stats("c").held

    def test_slot_timeout(self):
        """A slot's timeout applies to its acquire."""
        registry = ConcurrencyRegistry()
        registry.set_limit("c", 1)
        with (
            registry.slot("c"),
            pytest.raises(AcquireTimeoutError),
            registry.slot("c", timeout=0.01),
        ):
            pass
        assert 0 == registry.stats("c").held


class TestProperties:
    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        limit=st.integers(1, 3),
        sync_holds=st.lists(st.floats(0, 0.005), max_size=4),
        async_holds=st.lists(st.floats(0, 0.005), max_size=6),
    )
    def test_holders_never_exceed_the_limit(self, limit, sync_holds, async_holds):
        """Under a random mix of threads and tasks, holders at once never exceed the limit."""
        registry = ConcurrencyRegistry()
        registry.set_limit("p", limit)
        gauge = Gauge()
        errors = []

        def sync_holder(hold):
            try:
                with registry.acquire_sync("p", timeout=10):
                    gauge.enter()
                    time.sleep(hold)
                    gauge.leave()
            except Exception as error:
                errors.append(error)

        async def async_holder(hold):
            async with registry.slot("p", timeout=10):
                gauge.enter()
                await asyncio.sleep(hold)
                gauge.leave()

        async def tasks():
            async with asyncio.TaskGroup() as group:
                for hold in async_holds:
                    group.create_task(async_holder(hold))

        threads = [start_thread(sync_holder, hold) for hold in sync_holds]
        asyncio.run(tasks())
        for thread in threads:
            thread.join(10)
        assert [] == errors
        assert gauge.most <= limit
        assert LimitStats(limit, 0, 0) == registry.stats("p")
