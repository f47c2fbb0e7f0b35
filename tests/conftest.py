"""Fixtures shared by the whole suite."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest


@pytest.fixture(params=["async", "sync"])
def runner(request):
    """Run an agent or graph through one entry point: ``await x.invoke_async()`` or ``x()``."""
    mode = request.param

    def run(target, value):
        if mode == "sync":
            return target(value)
        return asyncio.run(target.invoke_async(value))

    run.mode = mode
    return run


@pytest.fixture(autouse=True)
def _no_leaked_threads():
    """Fail a test that leaves non-daemon threads running (abandoned tool threads are daemons)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    while True:
        leaked = [
            t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon
        ]
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not leaked, f"threads leaked by the test: {[t.name for t in leaked]}"
