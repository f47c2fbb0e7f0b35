"""Every JSON value the library accepts has a bounded depth, refused with a typed error."""

from __future__ import annotations

import pytest
from graph_helpers import weather_agent

from agentcharts import GraphBuilder, ResumeInputError, Status
from agentcharts.schemas._problems import MAX_JSON_DEPTH, NotJSONError, copy_json_value


def nested(depth: int, kind: str = "list"):
    value: object = "leaf"
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value}
    return value


class TestCopyJsonValue:
    @pytest.mark.parametrize("kind", ["list", "dict"])
    def test_the_bound_is_accepted(self, kind):
        """A value nested exactly MAX_JSON_DEPTH levels is copied."""
        value = nested(MAX_JSON_DEPTH, kind)
        assert value == copy_json_value(value)

    @pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 600, 5000])
    def test_deeper_is_a_typed_error(self, depth):
        """Deeper values raise NotJSONError (a ValueError), never RecursionError."""
        with pytest.raises(NotJSONError, match=f"nests deeper than {MAX_JSON_DEPTH} levels"):
            copy_json_value(nested(depth))


class TestResumeResponses:
    def test_a_deeply_nested_answer_is_refused_and_the_run_stays_resumable(self):
        """A 600-deep answer is a ResumeInputError; a normal answer then completes the run."""
        graph = GraphBuilder().add_node(weather_agent("a"), "a").build()
        first = graph("weather?")
        interrupt_id = first.interrupts[0].id

        def answer(value):
            return [{"interruptResponse": {"interruptId": interrupt_id, "response": value}}]

        with pytest.raises(ResumeInputError, match="nests deeper than 100 levels"):
            graph(answer(nested(600)))
        assert Status.INTERRUPTED == graph.status
        assert Status.COMPLETED == graph(answer("yes")).status
