"""The graphs every framework builds: a chain of N nodes, and a fan-out/fan-in of N nodes.

A builder takes ``(shape, kind, n)`` and returns an async callable that runs the graph once
and returns how many nodes completed, so every run is checked, not only timed.

- ``chain``: ``n0 -> n1 -> ... -> n{N-1}``: N nodes.
- ``fanout``: ``src -> w0..w{N-1} -> join``: N parallel nodes between a source and a join,
  N + 2 nodes in all.

Kinds: ``function`` (an async function that returns at once), ``agent`` (an agent whose
model answers with text at once) and ``agent_tool`` (an agent whose model asks for one tool
call, then answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["KINDS", "SHAPES", "floor_runner", "floor_taskgroup_runner", "node_count", "node_ids"]

SHAPES = ("chain", "fanout")
"""The graph shapes."""
KINDS = ("function", "agent", "agent_tool")
"""The node kinds."""


def node_count(shape: str, n: int) -> int:
    """How many nodes a graph of this shape and size has."""
    return n if shape == "chain" else n + 2


def node_ids(shape: str, n: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Return the node ids and the edges of a shape."""
    if shape == "chain":
        ids = [f"n{i}" for i in range(n)]
        return ids, [(ids[i], ids[i + 1]) for i in range(n - 1)]
    workers = [f"w{i}" for i in range(n)]
    edges = [("src", w) for w in workers] + [(w, "join") for w in workers]
    return ["src", *workers, "join"], edges


def floor_runner(shape: str, n: int) -> Callable[[], Awaitable[int]]:
    """The floor: bare coroutines awaited in a chain, or gathered in a fan-out."""
    import asyncio  # noqa: PLC0415

    async def step() -> str:
        return "ok"

    if shape == "chain":

        async def chain() -> int:
            done = 0
            for _ in range(n):
                await step()
                done += 1
            return done

        return chain

    async def fanout() -> int:
        await step()
        results: list[Any] = await asyncio.gather(*(step() for _ in range(n)))  # noqa: TID251 - the floor is gather
        await step()
        return len(results) + 2

    return fanout


def floor_taskgroup_runner(shape: str, n: int) -> Callable[[], Awaitable[int]]:
    """The floor with one task per node (a TaskGroup), as a real scheduler needs."""
    import asyncio  # noqa: PLC0415

    async def step() -> str:
        return "ok"

    async def run() -> int:
        done = 0
        if shape == "chain":
            for _ in range(n):
                async with asyncio.TaskGroup() as group:
                    group.create_task(step())
                done += 1
            return done
        await step()
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(step()) for _ in range(n)]
        await step()
        return len(tasks) + 2

    return run
