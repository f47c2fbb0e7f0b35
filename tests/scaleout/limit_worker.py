"""A child process for the scale-out tests: one "host" using a limit held in Redis.

Usage::

    python limit_worker.py contend URL PREFIX NAME MODE CALLERS ROUNDS LOG GO
    python limit_worker.py queue URL PREFIX NAME TAG LIST GO
    python limit_worker.py hold URL PREFIX NAME LEASE READY

``contend``: wait for the file GO, then CALLERS callers (threads with ``acquire_sync`` for
MODE ``sync``, tasks with ``await acquire`` for MODE ``async``) each take a slot ROUNDS
times and hold it briefly; every hold is appended to LOG as ``[enter, exit]`` in
``time.monotonic()`` seconds (one clock for every process of a Linux host), taken inside the
hold.

``queue``: wait for the file GO, take a slot (waiting as long as needed), push TAG onto the
Redis list LIST, hold it briefly and release it.

``hold``: take a slot with a lease of LEASE seconds, touch READY, and sleep until killed.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import sys
import threading
import time

import redis

from agentcharts.runtime.concurrency.redis import RedisConcurrencyRegistry

HOLD_S = 0.03


def wait_for(path: pathlib.Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.002)


def contend(registry, name, *, mode, callers, rounds, log, go):
    holds = []
    lock = threading.Lock()

    def record(enter):
        time.sleep(HOLD_S)
        with lock:
            holds.append([enter, time.monotonic()])

    def sync_caller():
        for _ in range(rounds):
            with registry.slot(name, timeout=30):
                record(time.monotonic())

    async def async_caller():
        for _ in range(rounds):
            async with registry.slot(name, timeout=30):
                enter = time.monotonic()
                await asyncio.sleep(HOLD_S)
                with lock:
                    holds.append([enter, time.monotonic()])

    async def async_callers():
        async with asyncio.TaskGroup() as group:
            for _ in range(callers):
                group.create_task(async_caller())

    wait_for(pathlib.Path(go))
    if mode == "sync":
        threads = [threading.Thread(target=sync_caller) for _ in range(callers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        asyncio.run(async_callers())
    pathlib.Path(log).write_text(json.dumps(holds))


def main(argv):
    mode, url, prefix, name, *rest = argv
    if mode == "hold":
        lease, ready = rest
        registry = RedisConcurrencyRegistry(url, prefix=prefix, lease_seconds=float(lease))
        registry.acquire_sync(name, timeout=30)
        pathlib.Path(ready).touch()
        time.sleep(120)
        return
    registry = RedisConcurrencyRegistry(url, prefix=prefix)
    if mode == "contend":
        kind, callers, rounds, log, go = rest
        contend(registry, name, mode=kind, callers=int(callers), rounds=int(rounds), log=log, go=go)
    else:
        tag, key, go = rest
        wait_for(pathlib.Path(go))
        with registry.acquire_sync(name, timeout=30):
            client = redis.Redis.from_url(url)
            client.rpush(key, tag)
            client.close()
            time.sleep(0.02)
    registry.close()


if __name__ == "__main__":
    main(sys.argv[1:])
