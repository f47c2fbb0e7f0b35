"""Two processes resume the same interrupted session at once: exactly one may proceed.

Each child wraps its store so that, after loading the session, it waits until the other
child has loaded it too: both hold the same version before either writes, so the race is
certain, not left to scheduling.
"""

from __future__ import annotations

import json

import pytest
from reliability_helpers import (
    EFFECTS,
    NODES,
    SESSION,
    TASK,
    build,
    close,
    context,
    make_store,
    read_effects,
    resume_once,
)

from agentcharts import Status, load_stored_session


@pytest.mark.slow
class TestTwoResumers:
    @pytest.mark.parametrize("kind", ["file", "sqlite"])
    def test_one_proceeds_the_other_conflicts(self, tmp_path, kind):
        """One child completes, the other gets SessionConflictError; the session is consistent."""
        effects = tmp_path / "effects.txt"
        store = make_store(kind, tmp_path)
        try:
            result = build(store, effects)(TASK)
            assert Status.INTERRUPTED == result.status
            ids = [i.id for i in result.interrupts]
            interrupted_version = store.load(SESSION).version
        finally:
            close(store)
        ctx = context()
        outcomes = [tmp_path / "one.json", tmp_path / "two.json"]
        children = [
            ctx.Process(
                target=resume_once,
                args=(kind, str(tmp_path), str(effects), ids),
                kwargs={"me": me, "peer": peer, "outcome": str(outcome)},
            )
            for me, peer, outcome in (("one", "two", outcomes[0]), ("two", "one", outcomes[1]))
        ]
        for child in children:
            child.start()
        for child in children:
            child.join(60)
        assert [0, 0] == [child.exitcode for child in children]
        reported = sorted(json.loads(path.read_text()) for path in outcomes)
        assert "completed" == reported[0]
        # the loser read the interrupted version; the winner had written at least once since
        word, expected, actual = reported[1].split()
        assert ("conflict", interrupted_version) == (word, int(expected))
        assert int(actual) > interrupted_version

        store = make_store(kind, tmp_path)
        try:
            stored = store.load(SESSION)
        finally:
            close(store)
        record = load_stored_session(stored)
        assert Status.COMPLETED == record.graph.status
        assert sorted(NODES) == sorted(record.graph.execution_order)
        assert dict.fromkeys(NODES, 1) == {
            n: s.execution_count for n, s in record.graph.nodes.items()
        }
        # b acted once: the loser lost at its first write, before running anything
        assert 1 == sum(1 for node, _ in read_effects(effects) if node == "b")
        assert sorted(EFFECTS) == sorted({node for node, _ in read_effects(effects)})
