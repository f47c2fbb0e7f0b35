"""Tests for `agentcharts.runtime.models._http_errors`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentcharts.exceptions import ModelRateLimitError, ModelRequestError, ModelServerError
from agentcharts.runtime.models._http_errors import (
    EXCERPT_CHARS,
    Redactor,
    error_for_status,
    provider_message,
    retry_after_seconds,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class TestRetryAfter:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("7", 7.0),
            (" 2.5 ", 2.5),
            ("0", 0.0),
            ("-3", 0.0),
            ("Fri, 02 Jan 2026 03:04:35 GMT", 30.0),
            ("Fri, 02 Jan 2026 03:04:35", 30.0),
            ("Fri, 02 Jan 2026 03:00:00 GMT", 0.0),
            (None, None),
            ("", None),
            ("soon", None),
            ("nan", None),
            ("inf", None),
        ],
    )
    def test_values(self, value: str | None, expected: float | None) -> None:
        """Seconds and HTTP dates are read; past dates give 0; anything else gives None."""
        assert expected == retry_after_seconds(value, now=NOW)


class TestProviderMessage:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            (b'{"error": {"message": "bad key", "type": "auth"}}', "bad key"),
            (b'{"error": "model not found"}', "model not found"),
            (b'{"message": "nope"}', "nope"),
            (b'{"detail": "x"}', '{"detail": "x"}'),
            (b"  plain text  ", "plain text"),
            (b"", "(empty body)"),
            (b"\xff\xfe", "\ufffd\ufffd"),
        ],
    )
    def test_extraction(self, body: bytes, expected: str) -> None:
        """The provider's message is found in the usual shapes, else the body is quoted."""
        assert expected == provider_message(body)

    def test_long_bodies_are_cut(self) -> None:
        """At most EXCERPT_CHARS characters are quoted."""
        assert "x" * EXCERPT_CHARS == provider_message(b"x" * (EXCERPT_CHARS + 50))


class TestErrorForStatus:
    def test_mapping(self) -> None:
        """429, 5xx and other statuses map to their typed errors with the redacted message."""
        redact = Redactor(["sk-1", ""])
        limited = error_for_status(429, "4", b'{"error": {"message": "key sk-1 too fast"}}', redact)
        server = error_for_status(500, None, b"boom", redact)
        refused = error_for_status(400, None, b'{"error": {"message": "bad"}}', redact)
        assert isinstance(limited, ModelRateLimitError)
        assert (4.0, "rate limited by the model provider: key *** too fast (retry after 4s)") == (
            limited.retry_after,
            str(limited),
        )
        assert isinstance(server, ModelServerError)
        assert 500 == server.status_code
        assert isinstance(refused, ModelRequestError)
        assert "model provider refused the request (400): bad" == str(refused)

    def test_redactor_hides_longer_secrets_first(self) -> None:
        """Overlapping secrets are replaced longest first, so no fragment survives."""
        assert "a *** b ***" == Redactor(["sk", "sk-long"])("a sk-long b sk")
