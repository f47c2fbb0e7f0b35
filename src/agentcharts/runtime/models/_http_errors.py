"""Turn a provider's HTTP error reply into a typed error, without leaking secrets."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from agentcharts.exceptions import ModelRateLimitError, ModelRequestError, ModelServerError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from agentcharts.exceptions import ModelError

__all__ = [
    "EXCERPT_CHARS",
    "Redactor",
    "error_for_status",
    "provider_message",
    "retry_after_seconds",
]

EXCERPT_CHARS = 300
"""The most characters of a reply body that an error message quotes."""


class Redactor:
    """Replaces secrets (the API key, credential headers) in text that goes into errors."""

    def __init__(self, secrets: Sequence[str]) -> None:
        """
        Keep the secrets.

        Args:
            secrets: The strings to hide; empty ones are ignored.
        """
        self._secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        """
        Return the text with every secret replaced by ``***``.

        Args:
            text: The text.

        Returns:
            The redacted text.
        """
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """
    Read a ``Retry-After`` header: a number of seconds, or an HTTP date.

    Args:
        value: The header's value, or ``None`` when absent.
        now: The current time, for a date value (defaults to the clock).

    Returns:
        The delay in seconds (never negative), or ``None`` when absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def provider_message(body: bytes) -> str:
    """
    Extract the provider's error message from a reply body.

    Understands ``{"error": {"message": ...}}`` (OpenAI, vLLM), ``{"error": "..."}``
    (Ollama) and ``{"message": ...}``; anything else is quoted as an excerpt.

    Args:
        body: The raw body.

    Returns:
        The message, at most :data:`EXCERPT_CHARS` characters.
    """
    text = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    message: object = None
    if isinstance(data, dict):
        error = data.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        message = message or data.get("message")
    found = message if isinstance(message, str) and message else text.strip() or "(empty body)"
    return found[:EXCERPT_CHARS]


def error_for_status(
    status_code: int, retry_after: str | None, body: bytes, redact: Redactor
) -> ModelError:
    """
    Build the typed error for an unsuccessful HTTP status.

    Args:
        status_code: The status (429, 4xx, 5xx...).
        retry_after: The ``Retry-After`` header, if any.
        body: The reply body.
        redact: Hides secrets in the provider's message.

    Returns:
        :class:`ModelRateLimitError` for 429, :class:`ModelServerError` for 5xx, and
        :class:`ModelRequestError` for any other status.
    """
    message = redact(provider_message(body))
    if status_code == 429:  # noqa: PLR2004 - the rate-limit status
        return ModelRateLimitError(message, retry_after=retry_after_seconds(retry_after))
    if status_code >= 500:  # noqa: PLR2004 - the first server-error status
        return ModelServerError(status_code, message)
    return ModelRequestError(status_code, message)
