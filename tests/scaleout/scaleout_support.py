"""Helpers of the scale-out tests: where the servers are, and worker processes."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import time

import pytest

REDIS_URL = os.environ.get("AGENTCHARTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_DSN = os.environ.get(
    "AGENTCHARTS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
STARTS = {
    "Redis": (
        'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
        "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
    ),
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
}
HERE = pathlib.Path(__file__).resolve().parent


def unreachable(service, where, variable, error):
    """Fail (never skip) the test, saying which server is missing and how to start it."""
    pytest.fail(
        f"{service} is not reachable at {where} (set {variable} to use another server): "
        f"{error}\nStart the local server with: {STARTS[service]}",
        pytrace=False,
    )


def start(script, *args, env=None):
    """Start ``python script args...`` with piped output."""
    return subprocess.Popen(
        [sys.executable, str(HERE / script), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(process, timeout=60):
    """Wait for a process; fail with its stderr unless it exited 0; return its stdout."""
    out, err = process.communicate(timeout=timeout)
    assert 0 == process.returncode, err
    return out


def wait_until(predicate, timeout=30.0, process=None):
    deadline = time.monotonic() + timeout
    while not predicate():
        if process is not None and process.poll() is not None:
            pytest.fail(f"worker died: {process.communicate()[1]}")
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)
