"""Tests for `agentcharts.runtime.concurrency.redis`, against a real Redis server.

The server is AGENTCHARTS_TEST_REDIS_URL (default: the local one on port 6379). Each test
uses a key prefix of its own and deletes its keys afterwards. A test that needs to stop and
restart a server starts a private ``redis-server`` on a free port instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import redis

from agentcharts import Agent, GraphBuilder, ScriptedModel, Status, tool
from agentcharts.exceptions import (
    AcquireTimeoutError,
    ConcurrencyError,
    DefinitionError,
    InvalidSettingError,
    LimitBackendError,
    LoopBlockingError,
    UnmatchedReleaseError,
)
from agentcharts.runtime.concurrency import LimitStats
from agentcharts.runtime.concurrency.redis import RedisConcurrencyRegistry, RedisPermit

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("AGENTCHARTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_START = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


@pytest.fixture(scope="module")
def client():
    """A plain client of the test server; fails (never skips) when it does not answer."""
    connection = redis.Redis.from_url(REDIS_URL, decode_responses=True, socket_timeout=5)
    try:
        connection.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} (set AGENTCHARTS_TEST_REDIS_URL to use "
            f"another server): {error}\nStart the local server with: {REDIS_START}",
            pytrace=False,
        )
    yield connection
    connection.close()


@pytest.fixture
def prefix(client):
    """A key prefix of the test's own; its keys are deleted afterwards."""
    value = f"agentcharts-test:{uuid.uuid4().hex[:12]}"
    yield value
    for key in client.scan_iter(f"{value}:*"):
        client.delete(key)


@pytest.fixture
def make(prefix):
    """Build registries on the test's prefix (separate registries act like separate hosts)."""
    made = []

    def build(**settings):
        settings.setdefault("prefix", prefix)
        url = settings.pop("url", REDIS_URL)
        registry = RedisConcurrencyRegistry(url, **settings)
        made.append(registry)
        return registry

    yield build
    for registry in made:
        registry.close()


class Gauge:
    """Counts the holders inside a critical section and remembers the most at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __enter__(self):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc_info):
        with self.lock:
            self.now -= 1


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


async def await_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


class Outcome(list):
    """What a thread returned or raised (one item once it ended), and the thread."""

    thread: threading.Thread


def in_thread(target, *args, **kwargs):
    """Run ``target`` in a daemon thread; the returned list receives its result or error."""
    out = Outcome()

    def run():
        try:
            out.append(target(*args, **kwargs))
        except BaseException as error:
            out.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    out.thread = thread
    return out


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kill_connections(client, registry):
    """CLIENT KILL every connection the registry has open; return how many."""
    name = f"agentcharts-limits-{registry._backend.id}"
    ids = [entry["id"] for entry in client.client_list() if entry.get("name") == name]
    for client_id in ids:
        client.client_kill_filter(_id=client_id)
    return len(ids)


class TestSettings:
    @pytest.mark.parametrize(
        ("setting", "value"),
        [
            ("url", "http://127.0.0.1:6379"),
            ("url", 6379),
            ("prefix", ""),
            ("prefix", "a b"),
            ("prefix", None),
            ("lease_seconds", 0),
            ("lease_seconds", 0.05),
            ("lease_seconds", float("nan")),
            ("lease_seconds", True),
            ("lease_seconds", "10"),
            ("renew_every", 0),
            ("renew_every", 10.0),
            ("renew_every", 11),
            ("renew_every", "1"),
        ],
    )
    def test_invalid_settings_are_refused(self, setting, value):
        """Bad settings raise InvalidSettingError naming the setting, before any I/O."""
        settings = {"url": REDIS_URL, setting: value}
        url = settings.pop("url")
        with pytest.raises(InvalidSettingError) as caught:
            RedisConcurrencyRegistry(url, **settings)
        assert setting == caught.value.setting

    def test_repr_and_errors_hide_the_password(self):
        """The password of the URL never shows in the repr or in an error."""
        registry = RedisConcurrencyRegistry(f"redis://:s3cret@127.0.0.1:{free_port()}/0")
        try:
            assert "s3cret" not in repr(registry)
            with pytest.raises(LimitBackendError) as caught:
                registry.stats("x")
            assert "s3cret" not in str(caught.value)
            assert "redis://:***@127.0.0.1" in caught.value.url
        finally:
            registry.close()

    def test_missing_redis_package(self, monkeypatch):
        """Without redis-py, building a registry names the extra to install."""
        monkeypatch.setitem(sys.modules, "redis", None)
        with pytest.raises(DefinitionError, match=r"agentcharts\[redis\]"):
            RedisConcurrencyRegistry()


class TestLimits:
    def test_limits_are_shared_between_registries(self, make):
        """A limit set through one registry is seen, changed and removed through another."""
        first, second = make(), make()
        assert second.get_limit("db") is None
        first.set_limit("db", 3)
        assert 3 == second.get_limit("db")
        second.set_limit("db", 2)
        assert LimitStats(2, 0, 0) == first.stats("db")
        first.remove_limit("db")
        assert second.get_limit("db") is None

    @pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", None])
    def test_invalid_limits_are_refused(self, make, bad):
        """A limit must be a positive int."""
        with pytest.raises(InvalidSettingError):
            make().set_limit("db", bad)

    @pytest.mark.parametrize("bad", ["", None, 3])
    def test_invalid_names_are_refused(self, make, bad):
        """Every call refuses a name that is not a non-empty string."""
        registry = make()
        for call in [
            lambda: registry.set_limit(bad, 1),
            lambda: registry.stats(bad),
            lambda: registry.try_acquire(bad),
            lambda: registry.acquire_sync(bad),
            lambda: asyncio.run(registry.acquire(bad)),
        ]:
            with pytest.raises(InvalidSettingError):
                call()

    @pytest.mark.parametrize("bad", [-1, float("inf"), "1", True])
    def test_invalid_timeouts_are_refused(self, make, bad):
        """A timeout must be a finite number of seconds >= 0."""
        with pytest.raises(InvalidSettingError):
            make().acquire_sync("db", timeout=bad)

    def test_stats_count_every_registry(self, make):
        """Holders and waiters of every registry sharing the prefix are counted."""
        first, second = make(), make()
        first.set_limit("db", 2)
        held = [first.acquire_sync("db"), second.acquire_sync("db")]
        waiter = in_thread(first.acquire_sync, "db", timeout=10)
        wait_until(lambda: second.stats("db").waiting == 1)
        assert LimitStats(2, 2, 1) == second.stats("db")
        held[1].release()
        wait_until(lambda: bool(waiter))
        assert isinstance(waiter[0], RedisPermit)
        waiter[0].release()
        held[0].release()
        assert LimitStats(2, 0, 0) == first.stats("db")


class TestAcquire:
    def test_try_acquire(self, make):
        """try_acquire takes a free slot and returns None when the limit is reached."""
        first, second = make(), make()
        first.set_limit("db", 1)
        permit = first.try_acquire("db")
        assert isinstance(permit, RedisPermit)
        assert second.try_acquire("db") is None
        permit.release()
        again = second.try_acquire("db")
        assert again is not None
        again.release()

    def test_try_acquire_does_not_barge_past_waiters(self, make):
        """A free slot goes to the oldest waiter, not to a newcomer's try_acquire."""
        first, second = make(), make()
        first.set_limit("db", 1)
        holder = first.acquire_sync("db")
        waiter = in_thread(second.acquire_sync, "db", timeout=10)
        wait_until(lambda: first.stats("db").waiting == 1)
        holder.release()
        assert first.try_acquire("db") is None
        wait_until(lambda: bool(waiter))
        waiter[0].release()

    def test_sync_timeout_leaves_no_waiter(self, make):
        """acquire_sync gives up after its timeout and leaves nothing queued."""
        first, second = make(), make()
        first.set_limit("db", 1)
        holder = first.acquire_sync("db")
        started = time.monotonic()
        with pytest.raises(AcquireTimeoutError) as caught:
            second.acquire_sync("db", timeout=0.3)
        assert 0.25 < time.monotonic() - started < 5
        assert ("db", 0.3) == (caught.value.name, caught.value.timeout_s)
        with pytest.raises(AcquireTimeoutError):
            second.acquire_sync("db", timeout=0)
        assert LimitStats(1, 1, 0) == first.stats("db")
        holder.release()

    def test_ctrl_c_while_waiting_leaves_no_waiter(self, make):
        """A KeyboardInterrupt in a blocked acquire_sync withdraws the waiter from Redis."""
        first, second = make(), make()
        first.set_limit("db", 1)
        holder = first.acquire_sync("db")
        main = threading.main_thread().ident

        def interrupt():
            wait_until(lambda: first.stats("db").waiting == 1)
            signal.pthread_kill(main, signal.SIGINT)

        assert threading.current_thread() is threading.main_thread()
        thread = in_thread(interrupt)
        with pytest.raises(KeyboardInterrupt):
            second.acquire_sync("db", timeout=10)
        thread.thread.join(5)
        assert LimitStats(1, 1, 0) == first.stats("db")
        holder.release()
        assert LimitStats(1, 0, 0) == first.stats("db")

    @pytest.mark.asyncio
    async def test_acquire_sync_on_a_loop_thread(self, make):
        """acquire_sync in a thread running a loop raises the documented error, slot free or not."""
        registry = make()
        with pytest.raises(LoopBlockingError) as caught:
            registry.acquire_sync("db")
        assert (
            "acquire_sync('db') cannot be called with a running event loop; "
            "use async acquire() in async contexts."
        ) == str(caught.value)
        assert isinstance(caught.value, RuntimeError)

    @pytest.mark.asyncio
    async def test_async_acquire_waits_for_a_release_in_another_registry(self, make):
        """A task waits for a slot held by another registry and gets it on release."""
        first, second = make(), make()
        first.set_limit("db", 1)
        holder = first.try_acquire("db")
        task = asyncio.create_task(second.acquire("db", timeout=10))
        await await_until(lambda: first.stats("db").waiting == 1)
        assert not task.done()
        holder.release()
        permit = await task
        assert not permit.released
        permit.release()
        await await_until(lambda: first.stats("db") == LimitStats(1, 0, 0))

    @pytest.mark.asyncio
    async def test_async_timeout_and_cancel_leave_nothing(self, make):
        """A timed-out or cancelled task leaves no waiter and takes no slot."""
        first, second = make(), make()
        first.set_limit("db", 1)
        holder = first.try_acquire("db")
        with pytest.raises(AcquireTimeoutError):
            await second.acquire("db", timeout=0.2)
        with pytest.raises(AcquireTimeoutError):
            await second.acquire("db", timeout=0)
        task = asyncio.create_task(second.acquire("db"))
        await await_until(lambda: first.stats("db").waiting == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await await_until(lambda: first.stats("db") == LimitStats(1, 1, 0))
        holder.release()
        permit = await second.acquire("db", timeout=5)
        permit.release()
        await await_until(lambda: first.stats("db") == LimitStats(1, 0, 0))

    def test_first_come_first_served_across_registries(self, make):
        """Waiters from several registries are admitted in the order they queued."""
        registries = [make() for _ in range(4)]
        registries[0].set_limit("db", 1)
        holder = registries[0].acquire_sync("db")
        order = []

        def wait(index):
            with registries[index].acquire_sync("db", timeout=10):
                order.append(index)
                time.sleep(0.02)

        waiters = []
        for queued, index in enumerate([3, 1, 2, 0], start=1):
            waiters.append(in_thread(wait, index))
            wait_until(lambda: registries[0].stats("db").waiting == queued)  # noqa: B023 - used at once
        holder.release()
        for waiter in waiters:
            waiter.thread.join(10)
        assert [3, 1, 2, 0] == order

    def test_raising_and_removing_a_limit_admits_waiters(self, make):
        """Raising a limit admits waiters at once; removing it admits all of them."""
        first, second = make(), make()
        first.set_limit("db", 1)
        holder = first.acquire_sync("db")
        waiters = [in_thread(second.acquire_sync, "db", timeout=10) for _ in range(3)]
        wait_until(lambda: first.stats("db").waiting == 3)
        first.set_limit("db", 2)
        wait_until(lambda: sum(map(len, waiters)) == 1)
        first.remove_limit("db")
        wait_until(lambda: sum(map(len, waiters)) == 3)
        assert LimitStats(None, 4, 0) == second.stats("db")
        for waiter in waiters:
            waiter[0].release()
        holder.release()

    def test_releases(self, make):
        """A permit releases once; release(name) frees this registry's oldest slot."""
        first, second = make(), make()
        permit = first.acquire_sync("db")
        permit.release()
        assert permit.released
        with pytest.raises(UnmatchedReleaseError):
            permit.release()
        held = second.acquire_sync("db")
        with pytest.raises(UnmatchedReleaseError):
            first.release("db")  # held by another registry: not ours to give back
        second.release("db")
        assert held.released
        assert LimitStats(None, 0, 0) == first.stats("db")

    def test_many_threads_never_exceed_the_limit(self, make):
        """Threads of several registries sharing a limit of 2 never hold more than 2."""
        registries = [make() for _ in range(3)]
        registries[0].set_limit("db", 2)
        gauge = Gauge()

        def work(registry):
            for _ in range(4):
                with registry.slot("db", timeout=20), gauge:
                    time.sleep(0.01)

        workers = [in_thread(work, registries[i % 3]) for i in range(6)]
        for worker in workers:
            worker.thread.join(30)
        assert [None] * 6 == [worker[0] for worker in workers]
        assert 2 == gauge.most

    @pytest.mark.asyncio
    async def test_context_managers(self, make):
        """``async with throttle()`` and ``slot()`` hold a slot for the block only."""
        registry = make()
        registry.set_limit("db", 1)
        async with registry.throttle("db") as permit:
            assert LimitStats(1, 1, 0) == registry.stats("db")
        await await_until(lambda: permit.released and registry.stats("db").held == 0)
        slot = registry.slot("db", timeout=5)
        async with slot:
            with pytest.raises(ConcurrencyError, match="already entered"):
                await slot.__aenter__()
        await await_until(lambda: registry.stats("db").held == 0)

    def test_the_graph_uses_it_unchanged(self, make):
        """A graph's parallel agent nodes share a Redis-held limit of 1 and all complete."""
        registry = make()
        registry.set_limit("researcher", 1)
        gauge = Gauge()

        @tool
        def research() -> str:
            """Look something up."""
            with gauge:
                time.sleep(0.05)
            return "found"

        builder = GraphBuilder()
        for index in range(3):
            model = ScriptedModel([[{"name": "research", "input": {}}], "done"])
            builder.add_node(Agent(name="researcher", model=model, tools=[research]), f"r{index}")
        graph = builder.set_concurrency(registry).build()
        result = graph("go")
        assert Status.COMPLETED == result.status
        assert 1 == gauge.most
        wait_until(lambda: registry.stats("researcher") == LimitStats(1, 0, 0))


class TestLeases:
    def test_a_renewed_slot_outlives_its_lease(self, make):
        """A slot held three times longer than its lease stays held: renewals keep it."""
        holder, other = make(lease_seconds=0.25), make()
        holder.set_limit("db", 1)
        permit = holder.acquire_sync("db")
        time.sleep(0.75)
        assert other.try_acquire("db") is None
        assert not permit.lost
        permit.release()

    def test_a_silent_holders_slot_returns_after_its_lease(self, make):
        """A holder that stops renewing (its registry closed) loses its slot after the lease."""
        holder, other = make(lease_seconds=0.3), make(lease_seconds=0.6)
        holder.set_limit("db", 1)
        holder.acquire_sync("db")
        holder.close()  # like a crash: nothing renews or releases the slot any more
        assert other.try_acquire("db") is None
        started = time.monotonic()
        permit = other.acquire_sync("db", timeout=10)
        assert 0.1 < time.monotonic() - started < 5
        permit.release()

    def test_a_dead_waiter_loses_its_place(self, make):
        """A waiter that stops renewing drops out of the queue; the next waiter is admitted."""
        holder, dead, live = make(), make(lease_seconds=0.3), make()
        holder.set_limit("db", 1)
        permit = holder.acquire_sync("db")
        doomed = in_thread(dead.acquire_sync, "db")
        wait_until(lambda: holder.stats("db").waiting == 1)
        dead.close()  # its waiter fails locally; its place in Redis is no longer renewed
        wait_until(lambda: bool(doomed))
        assert isinstance(doomed[0], ConcurrencyError)
        assert 1 == holder.stats("db").waiting
        wait_until(lambda: holder.stats("db").waiting == 0, timeout=5)
        waiter = in_thread(live.acquire_sync, "db", timeout=10)
        wait_until(lambda: holder.stats("db").waiting == 1)
        permit.release()
        wait_until(lambda: bool(waiter), timeout=5)
        assert isinstance(waiter[0], RedisPermit)
        waiter[0].release()

    def test_a_lease_taken_away_is_reported(self, make, client, prefix):
        """A slot removed from Redis behind the holder's back makes the permit lost."""
        registry = make(lease_seconds=0.3)
        registry.set_limit("db", 1)
        permit = registry.acquire_sync("db")
        client.delete(f"{prefix}:holders:db")
        wait_until(lambda: permit.lost)
        assert "<RedisPermit 'db' lost>" == repr(permit)
        with pytest.raises(LimitBackendError, match="lease ran out before its release"):
            permit.release()
        assert permit.released


class TestBackendFailures:
    def test_an_unreachable_server_is_a_clear_error(self, make):
        """Every call to a port with nothing listening raises LimitBackendError promptly."""
        registry = make(url=f"redis://127.0.0.1:{free_port()}/0")
        calls = [
            lambda: registry.set_limit("db", 1),
            lambda: registry.get_limit("db"),
            registry.remove_limit,
            registry.stats,
            registry.try_acquire,
            lambda name: registry.acquire_sync(name, timeout=30),
            lambda name: asyncio.run(registry.acquire(name, timeout=30)),
        ]
        for call in calls:
            started = time.monotonic()
            with pytest.raises(LimitBackendError) as caught:
                call("db") if call.__code__.co_argcount else call()
            assert time.monotonic() - started < 15
            assert "127.0.0.1" in str(caught.value)
            assert isinstance(caught.value.__cause__, redis.ConnectionError)

    def test_killed_connections_mid_hold_do_not_over_admit(self, make, client):
        """Connections killed while a slot is held: the lease survives and nobody else gets in."""
        holder, other = make(lease_seconds=0.3), make()
        holder.set_limit("db", 1)
        permit = holder.acquire_sync("db")
        killed = 0
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            killed += kill_connections(client, holder)
            assert other.try_acquire("db") is None
            time.sleep(0.1)
        assert killed > 0
        assert not permit.lost
        permit.release()
        assert other.try_acquire("db") is not None

    def test_killed_connection_of_a_waiter(self, make, client):
        """A waiter whose connections are killed keeps its place and gets the slot."""
        holder, waiting = make(), make()
        holder.set_limit("db", 1)
        permit = holder.acquire_sync("db")
        waiter = in_thread(waiting.acquire_sync, "db", timeout=10)
        wait_until(lambda: holder.stats("db").waiting == 1)
        time.sleep(0.1)  # let its keeper block in BLPOP
        assert kill_connections(client, waiting) > 0
        permit.release()
        wait_until(lambda: bool(waiter))
        assert isinstance(waiter[0], RedisPermit)
        waiter[0].release()

    def test_lost_state_is_detected_not_over_admitted(self, make, client, prefix):
        """Keys wiped as a restart without persistence would: bound registries refuse to go on."""
        holder, other = make(lease_seconds=0.5), make()
        holder.set_limit("db", 1)
        permit = holder.acquire_sync("db")
        assert other.try_acquire("db") is None
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        with pytest.raises(LimitBackendError, match="lost the limits' state"):
            other.acquire_sync("db", timeout=5)
        with pytest.raises(LimitBackendError, match="lost the limits' state"):
            other.stats("db")
        wait_until(lambda: permit.lost)
        with pytest.raises(LimitBackendError):
            permit.release()
        fresh = make()
        fresh.set_limit("db", 1)
        assert fresh.try_acquire("db") is not None


@pytest.fixture
def private_server():
    """A redis-server of the test's own on a free port, that the test may kill and restart."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            f"redis-server is not on PATH; it is needed to restart a server ({REDIS_START})"
        )
    port = free_port()
    processes = []

    def start():
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        processes.append(process)
        probe = redis.Redis(port=port, socket_connect_timeout=1)
        wait_until(lambda: _answers(probe))
        probe.close()
        return process

    start.url = f"redis://127.0.0.1:{port}/0"
    yield start
    for process in processes:
        process.kill()
        process.wait(10)


def _answers(probe):
    try:
        return probe.ping()
    except redis.ConnectionError:
        return False


@pytest.mark.slow
class TestServerRestart:
    def test_a_restart_is_a_clear_error(self, make, private_server):
        """Server killed mid-hold: lease lost, waiter and calls fail; after a restart, too."""
        server = private_server()
        registry = make(url=private_server.url, lease_seconds=0.5)
        registry.set_limit("db", 1)
        permit = registry.acquire_sync("db")
        waiter = in_thread(registry.acquire_sync, "db", timeout=30)
        wait_until(lambda: registry.stats("db").waiting == 1)
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        with pytest.raises(LimitBackendError):
            registry.try_acquire("db")
        wait_until(lambda: permit.lost and bool(waiter))
        assert isinstance(waiter[0], LimitBackendError)
        assert "lost its place in the queue" in str(waiter[0])
        private_server()  # the same port, and no data: the limit and the holder are gone
        with pytest.raises(LimitBackendError, match="lost the limits' state"):
            registry.acquire_sync("db", timeout=5)
        with pytest.raises(LimitBackendError):
            permit.release()
        fresh = make(url=private_server.url)
        assert fresh.get_limit("db") is None
