"""Run the async core from sync code, with or without a running loop in the caller's thread."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from typing import Any

__all__ = ["run_sync"]

ResultT = TypeVar("ResultT")


def run_sync(factory: Callable[[], Coroutine[Any, Any, ResultT]]) -> ResultT:
    """
    Run the coroutine that ``factory`` makes and return its result.

    In a thread with no running event loop the coroutine runs on a new loop in that thread.
    In a thread whose loop is running (a sync call made from async code, or from a notebook)
    it runs on a new loop in a helper thread while the caller waits, so it never re-enters
    the caller's loop. Context variables are carried over either way. Ctrl-C cancels the
    coroutine (it gets ``CancelledError`` and can clean up) before ``KeyboardInterrupt``
    reaches the caller.

    Args:
        factory: Called once, in the thread that runs the loop, to make the coroutine.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())

    context = contextvars.copy_context()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = context.run(asyncio.run, factory())
        except BaseException as error:  # noqa: BLE001 - handed to the waiting caller
            outcome["error"] = error

    worker = threading.Thread(target=target, name="agentcharts-sync", daemon=True)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]
