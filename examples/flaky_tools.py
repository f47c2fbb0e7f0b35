"""A slow tool, a flaky tool and a summary function for examples/flaky.yaml."""

from __future__ import annotations

import itertools
import threading
import time

from agentcharts import GraphState, tool

_attempts = itertools.count(1)
_lock = threading.Lock()


@tool
def slow_lookup(query: str) -> str:
    """Look something up, slowly (3 seconds)."""
    time.sleep(3)
    return f"result for {query!r}"


@tool
def flaky_fetch(url: str) -> str:
    """Fetch a URL; the first two of every three attempts fail with a connection error."""
    with _lock:
        attempt = next(_attempts)
    if attempt % 3:
        msg = f"connection reset while fetching {url} (attempt {attempt})"
        raise ConnectionError(msg)
    return f"fetched {url} on attempt {attempt}"


def summarize(state: GraphState) -> str:
    """Summarise what the fetch node reported."""
    return f"summary: {state.inputs.get('fetch', '')}"
