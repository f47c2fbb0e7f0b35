"""Tests for `agentcharts.cli._answers`: --respond values and the prompt."""

from __future__ import annotations

import argparse

import pytest

from agentcharts import Interrupt
from agentcharts.cli._answers import Answers, parse_respond, parse_value, prompt_answers


class TestValues:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Seattle", "Seattle"),
            ("true", True),
            ("42", 42),
            ('"42"', "42"),
            ('{"a": 1}', {"a": 1}),
            ("", ""),
            ("null", None),
        ],
    )
    def test_json_when_it_parses(self, text, expected):
        """A value is JSON when it parses, else the text itself."""
        assert expected == parse_value(text)

    def test_respond_option(self):
        """KEY=VALUE splits at the first '='; a missing '=' or key is a usage error."""
        assert ("a", "b=c") == parse_respond("a=b=c")
        for bad in ("novalue", "=x"):
            with pytest.raises(argparse.ArgumentTypeError, match="expected ID_OR_NAME=VALUE"):
                parse_respond(bad)


class TestMatching:
    def test_id_first_then_name(self):
        """An id match wins; a name answers every interrupt of that name; unused keys are kept."""
        one, two, three = (
            Interrupt("i1", "approve"),
            Interrupt("i2", "approve"),
            Interrupt("i3", "where"),
        )
        answers = Answers([("approve", "yes"), ("i2", "no"), ("spare", 1)])
        pending = [("a", one), ("b", two), ("c", three)]
        assert {"i1": "yes", "i2": "no"} == answers.match(pending)
        assert ["spare"] == answers.unused()

    def test_prompt(self):
        """Each unanswered interrupt is asked for; the end of input stops asking."""
        pending = [("a", Interrupt("i1", "approve")), ("b", Interrupt("i2", "where"))]
        replies = iter(["yes", " 3 "])
        asked = []

        def ask(prompt):
            asked.append(prompt)
            return next(replies)

        assert {"i1": "yes", "i2": 3} == prompt_answers(pending, ask)
        assert ["approve (a)> ", "where (b)> "] == asked

        def closed(prompt):
            raise EOFError

        assert prompt_answers(pending, closed) is None
