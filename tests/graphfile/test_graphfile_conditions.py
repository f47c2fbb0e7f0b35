"""Tests for `agentcharts.graphfile.conditions`."""

from __future__ import annotations

import pytest

from agentcharts import GraphBuilder, GraphState, NodeResult, Status
from agentcharts.graphfile.conditions import ConditionError, compile_condition


def state(**texts):
    results = {n: NodeResult(n, Status.COMPLETED, text=t) for n, t in texts.items()}
    statuses = dict.fromkeys(texts, Status.COMPLETED) | {"late": Status.PENDING}
    return GraphState("t", tuple(texts), lambda: (results, statuses))


class TestOperators:
    @pytest.mark.parametrize(
        ("condition", "expected"),
        [
            ({"output_contains": "yes"}, True),
            ({"output_contains": "YES"}, False),
            ({"output_contains": "YES", "ignore_case": True}, True),
            ({"output_equals": "say yes"}, True),
            ({"output_equals": "say"}, False),
            ({"output_matches": r"^say\s+y"}, True),
            ({"output_matches": "^YES", "ignore_case": True}, False),
            ({"output_contains": "no", "node": "other"}, True),
            ({"output_contains": "", "node": "late"}, True),
            ({"status": "completed", "node": "other"}, True),
            ({"status": "pending", "node": "late"}, True),
            ({"status": "failed", "node": "other"}, False),
            ({"not": {"output_contains": "yes"}}, False),
            ({"all": [{"output_contains": "say"}, {"output_contains": "yes"}]}, True),
            ({"all": [{"output_contains": "say"}, {"output_contains": "nope"}]}, False),
            ({"any": [{"output_contains": "nope"}, {"output_contains": "yes"}]}, True),
        ],
    )
    def test_evaluation(self, condition, expected):
        """Each operator reads the source node's output (or the named node's) and nothing else."""
        compiled = compile_condition(condition, source="src")
        assert expected == compiled(state(src="say yes", other="no way"))

    def test_descriptions(self):
        """Conditions describe themselves for diagrams."""
        compiled = compile_condition(
            {
                "any": [
                    {"output_contains": "ok", "ignore_case": True},
                    {"not": {"status": "failed", "node": "b"}},
                ]
            },
            source="a",
        )
        assert "(a output contains 'ok' (any case)) or (not (b is failed))" == compiled.description
        assert frozenset({"a", "b"}) == compiled.node_ids()

    def test_errors_name_their_path(self):
        """A bad regular expression deep inside names its own key path."""
        with pytest.raises(ConditionError) as caught:
            compile_condition(
                {"all": [{"output_contains": "x"}, {"output_matches": "["}]}, source="a"
            )
        assert "when.all[1].output_matches" == caught.value.path
        with pytest.raises(ConditionError, match="no condition operator"):
            compile_condition({"node": "a"}, source="a")


class TestInAGraph:
    def test_routing(self):
        """A condition decides which branch a graph takes."""
        graph = (
            GraphBuilder()
            .add_node(lambda s: "approved: ship it", "review")
            .add_node(lambda s: "shipped", "ship")
            .add_node(lambda s: "reworked", "rework")
            .add_edge(
                "review",
                "ship",
                compile_condition({"output_contains": "approved"}, source="review"),
            )
            .add_edge(
                "review",
                "rework",
                compile_condition({"not": {"output_contains": "approved"}}, source="review"),
            )
            .build()
        )
        result = graph("go")
        assert ("review", "ship") == result.execution_order
        assert Status.PENDING == result.results["rework"].status
