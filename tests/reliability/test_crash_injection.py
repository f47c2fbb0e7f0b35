"""The crash kit: a process running a graph is SIGKILLed at each store write in turn.

The graph is ``a -> (b, c, n) -> d`` of agents whose tools append a line to an effects file:
b asks a human before acting (an interrupt answered mid-run), n is a nested graph of two
agents, d is the fan-in of the three parallel branches. A child process runs it with a
session store that kills the process right before, or right after, its k-th write (a
snapshot, a journal append or a compaction), for k = 1, 2, ... until a child survives (k is
past the last write). After each kill, a fresh graph in this process
finishes the run from the store alone: it starts it (nothing was stored), continues it
(``invoke(None)`` on a run stored as executing) or answers its interrupts.

What is asserted after each kill:

- the snapshot left by the kill loads (and so does every snapshot written while finishing);
- the run finishes ``COMPLETED``, with every node ``COMPLETED`` and recorded in the execution
  order exactly once: exactly-once *completion*;
- no node is skipped: the fan-in d ran with the outputs of all three branches;
- a node whose completion was stored before the kill never runs again (no new side effect);
- no answer is asked twice once it was stored: killed after a write, the human is asked
  exactly once; killed before one, at most twice (the answer's own write may be the one lost);
- every node's side effect happened at least once. A node that was executing at the kill
  may run again, so its side effect may happen twice: side effects are at-least-once.

The same kill at random moments, a hundred times per store, is
``benchmarks/bench_crashes.py``.
"""

from __future__ import annotations

import itertools
import signal

import pytest
from reliability_helpers import (
    EFFECTS,
    NODES,
    context,
    make_store,
    read_asks,
    read_effects,
    recover,
    run_to_completion,
    stored_status,
)

from agentcharts import Status


def kill_and_recover(tmp_path, kind, when, k):
    """Run the child up to its k-th save; return (killed, stored at kill, effects, final record)."""
    folder = tmp_path / f"{when}-{k}"
    folder.mkdir()
    effects = folder / "effects.txt"
    child = context().Process(
        target=run_to_completion, args=(kind, str(folder), str(effects), k, when)
    )
    child.start()
    child.join(60)
    if child.exitcode == 0:
        return False, None, [], None
    assert -signal.SIGKILL == child.exitcode
    store = make_store(kind, folder)
    try:
        _, at_kill = stored_status(store)
    finally:
        if hasattr(store, "close"):
            store.close()
    before = read_effects(effects)
    record, written = recover(kind, folder, effects)
    finished_at_kill = at_kill is not None and at_kill.graph.status is Status.COMPLETED
    assert finished_at_kill or written >= 1
    return True, at_kill, before, (record, read_effects(effects))


@pytest.mark.slow
class TestCrashInjection:
    @pytest.mark.parametrize("kind", ["file", "sqlite"])
    @pytest.mark.parametrize("when", ["before", "after"])
    def test_kill_at_every_write(self, tmp_path, kind, when):
        """Killed at each write in turn, the run always finishes with exactly-once completion."""
        kills = 0
        for k in itertools.count(1):
            killed, at_kill, before, finished = kill_and_recover(tmp_path, kind, when, k)
            if not killed:
                break
            kills += 1
            record, effects = finished
            assert Status.COMPLETED == record.graph.status, (k, record.graph.error)
            assert sorted(NODES) == sorted(record.graph.execution_order), k
            assert dict.fromkeys(NODES, Status.COMPLETED) == {
                n: s.status for n, s in record.graph.nodes.items()
            }
            assert ("b", "c", "n") == tuple(sorted(record.graph.nodes["d"].inputs)), k
            stored_done = set(at_kill.graph.execution_order) if at_kill is not None else set()
            if "n" in stored_done:
                stored_done |= {"n1", "n2"}
            rerun = {node for node, _ in effects[len(before) :]}
            assert set() == rerun & stored_done, (k, stored_done, rerun)
            assert set(EFFECTS) == {node for node, _ in effects}, (k, effects)
            counts = {node: [n for n, _ in effects].count(node) for node in EFFECTS}
            assert all(c <= 2 for c in counts.values()), (k, counts)
            asks = read_asks(tmp_path / f"{when}-{k}" / "effects.txt")
            assert 1 == len(set(asks)), (k, asks)
            assert len(asks) == 1 or (when == "before" and len(asks) == 2), (k, asks)
        # a run has at least: its snapshot, a's start, the branches, b's interrupt, the
        # resume, d, the end; group commit may merge some of them
        assert kills >= 6
