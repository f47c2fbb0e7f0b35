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

    @pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e999", "[1e999]"])
    def test_numbers_json_does_not_have_are_text(self, text):
        """NaN, Infinity and overflowing numbers are not JSON, so they are taken as text."""
        assert text == parse_value(text)

    def test_a_large_finite_number_is_still_a_number(self):
        """Only numbers a float cannot hold are text; 1e300 is a number."""
        assert 1e300 == parse_value("1e300")

    @pytest.mark.parametrize("depth", [101, 2000, 60000])
    def test_deep_json_is_a_usage_error(self, depth):
        """A value nested past the library's bound is refused with a one-line usage error."""
        text = "[" * depth + "]" * depth
        with pytest.raises(argparse.ArgumentTypeError, match="x: the value nests deeper than 100"):
            parse_respond(f"x={text}")

    def test_an_unclosed_deep_value_is_refused_too(self):
        """Sixty thousand '[' cannot be read as JSON without going that deep: refused."""
        with pytest.raises(argparse.ArgumentTypeError, match="nests deeper than 100 levels"):
            parse_respond("x=" + "[" * 60000)

    def test_the_command_exits_2_with_one_line(self, cli):
        """From the command line: exit status 2, one line on stderr, no traceback."""
        code, out, err = cli("run", "graph.yaml", "--respond", "x=" + "[" * 60000)
        assert 2 == code
        assert "" == out
        assert "Traceback" not in err
        message = "argument --respond: x: the value nests deeper than 100 levels"
        assert [line for line in err.strip().splitlines() if "error" in line] == [
            f"agentcharts run: error: {message} (see agentcharts run --help)"
        ]

    def test_the_prompt_asks_again_after_a_too_deep_answer(self):
        """At the prompt, a too-deep answer is explained and asked for again."""
        replies = iter(["[" * 200 + "]" * 200, "ok"])
        asked = []

        def ask(prompt):
            asked.append(prompt)
            return next(replies)

        pending = [("a", Interrupt("i1", "approve"))]
        assert {"i1": "ok"} == prompt_answers(pending, ask)
        assert "nests deeper than 100 levels" in asked[1]

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
