"""Tests for `agentcharts.runtime.sessions._ids`."""

from __future__ import annotations

import pytest

from agentcharts.exceptions import InvalidSessionIdError, PersistenceError
from agentcharts.runtime.sessions import MAX_SESSION_ID_LENGTH, validate_session_id


class TestValidateSessionId:
    @pytest.mark.parametrize(
        "session_id", ["s1", "A", "9", "a.b", "a_b", "a-b", "Run.2026-01-31_x", "x" * 128]
    )
    def test_valid_ids_are_returned(self, session_id):
        """Ids that follow the rule come back unchanged."""
        assert session_id == validate_session_id(session_id)

    @pytest.mark.parametrize(
        ("session_id", "reason"),
        [
            ("", "must not be empty"),
            ("x" * 129, "must be at most 128 characters, got 129"),
            ("x" * 200, "must be at most 128 characters, got 200"),
            ("../x", "not '/'"),
            ("..", "must start with an ASCII letter or digit"),
            (".hidden", "must start with an ASCII letter or digit"),
            ("-rf", "must start with an ASCII letter or digit"),
            ("a..b", "must not contain '..'"),
            ("a/b", "not '/'"),
            ("/etc/passwd", "not '/'"),
            ("C:\\x", "not ':'"),
            ("a\\b", "not '\\\\'"),
            ("a\x00b", "not '\\x00'"),
            ("a b", "not ' '"),
            ("line\n", "not '\\n'"),
            ("caf\u00e9", "not '\u00e9'"),
            ("\uff10", "not '\uff10'"),
        ],
        ids=repr,
    )
    def test_hostile_ids_are_refused(self, session_id, reason):
        """Each broken rule is named in the error, which keeps the id."""
        with pytest.raises(InvalidSessionIdError) as caught:
            validate_session_id(session_id)
        assert session_id == caught.value.session_id
        assert reason in caught.value.reason
        assert isinstance(caught.value, ValueError)
        assert isinstance(caught.value, PersistenceError)

    @pytest.mark.parametrize("session_id", [None, 7, b"s1", ["s1"], object()], ids=repr)
    def test_non_str_ids_are_refused(self, session_id):
        """Only a str can be a session id."""
        with pytest.raises(InvalidSessionIdError, match="must be a str, got"):
            validate_session_id(session_id)

    def test_str_subclass_becomes_plain_str(self):
        """A str subclass is accepted and returned as a plain str, ignoring its __str__."""

        class Sneaky(str):
            __slots__ = ()

            def __str__(self):
                return "../escape"

        result = validate_session_id(Sneaky("s1"))
        assert "s1" == result
        assert str is type(result)

    def test_limit_constant(self):
        """The documented limit is 128 characters."""
        assert 128 == MAX_SESSION_ID_LENGTH
