"""``OpenAICompatibleModel``: OpenAI, Ollama, vLLM, LM Studio, llama.cpp (chat completions)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING

from agentcharts.exceptions import DefinitionError, InvalidSettingError, ModelResponseError
from agentcharts.runtime.models._http_errors import Redactor
from agentcharts.runtime.models._protocol import TextDelta
from agentcharts.runtime.models._sse import DONE, StreamAssembler
from agentcharts.runtime.models._turns import assistant_turn_index
from agentcharts.runtime.models._wire import parse_completion, request_body

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence
    from types import TracebackType
    from typing import Any, Self

    from agentcharts.runtime.models._http import HttpTransport
    from agentcharts.runtime.models._protocol import ModelResponse, ModelStreamEvent
    from agentcharts.schemas.messages import Message, ToolSpec

__all__ = ["DEFAULT_BASE_URL", "OpenAICompatibleModel"]

DEFAULT_BASE_URL = "http://127.0.0.1:11434/v1"
"""Ollama's OpenAI-compatible endpoint on this machine."""

_SECRET_HEADER_PARTS = ("auth", "key", "token", "secret", "cookie")


def _transport_class() -> type[HttpTransport]:
    """
    Import the httpx transport, which needs the optional ``openai`` extra.

    Returns:
        The transport class.

    Raises:
        DefinitionError: httpx is not installed.
    """
    try:
        from agentcharts.runtime.models._http import HttpTransport  # noqa: PLC0415 - httpx is optional
    except ImportError as error:
        raise DefinitionError(
            f"OpenAICompatibleModel needs httpx ({error}); "
            'install it with: pip install "agentcharts[openai]"'
        ) from error
    return HttpTransport


def _is_number(value: object) -> bool:
    """Tell whether a value is a finite int or float (bools excluded)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_settings(  # noqa: PLR0917 - one private check over the constructor's arguments
    model: object,
    base_url: object,
    timeout: object,
    temperature: object,
    max_tokens: object,
    extra_headers: object,
) -> None:
    """Raise :class:`InvalidSettingError` for the first setting out of range."""
    if not isinstance(model, str) or not model:
        raise InvalidSettingError("model", model, "a non-empty str")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise InvalidSettingError("base_url", base_url, "an http:// or https:// URL")
    if not _is_number(timeout) or timeout <= 0:  # type: ignore[operator]
        raise InvalidSettingError("timeout", timeout, "a positive number of seconds")
    if temperature is not None and (not _is_number(temperature) or temperature < 0):  # type: ignore[operator]
        raise InvalidSettingError("temperature", temperature, "None or a number >= 0")
    if max_tokens is not None and (
        not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1
    ):
        raise InvalidSettingError("max_tokens", max_tokens, "None or an int >= 1")
    if extra_headers is not None and (
        not isinstance(extra_headers, Mapping)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in extra_headers.items())
    ):
        raise InvalidSettingError("extra_headers", extra_headers, "None or a str -> str mapping")


class OpenAICompatibleModel:
    """
    A model served over the OpenAI chat-completions API (``POST {base_url}/chat/completions``).

    Works with OpenAI and with local servers that speak the same wire format: Ollama
    (the default ``base_url``), vLLM, LM Studio and llama.cpp. Needs httpx: install
    ``agentcharts[openai]``.

    Failures are typed: :class:`~agentcharts.exceptions.ModelRateLimitError` (HTTP 429, with
    ``retry_after``), :class:`~agentcharts.exceptions.ModelServerError` (5xx),
    :class:`~agentcharts.exceptions.ModelRequestError` (other 4xx),
    :class:`~agentcharts.exceptions.ModelResponseError` (a reply that is not the format),
    :class:`~agentcharts.exceptions.ModelTimeoutError` and
    :class:`~agentcharts.exceptions.ModelConnectionError`. The API key never appears in an
    error or a repr.

    One HTTP client is kept per event loop and closed when that loop shuts down;
    :meth:`aclose` (or ``async with model:``) closes it earlier.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        timeout: float = 60.0,
        temperature: float | None = None,
        max_tokens: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """
        Configure the model; nothing is sent until the first call.

        Args:
            model: The model name the server knows (``"gpt-4o-mini"``, ``"llama3.2"``).
            base_url: The API root, up to and including ``/v1``.
            api_key: Sent as ``Authorization: Bearer ...`` when given.
            timeout: Seconds allowed to connect, and between bytes of the reply.
            temperature: Sampling temperature; the server's default when ``None``.
            max_tokens: The most tokens to generate; the server's default when ``None``.
            extra_headers: More headers for every request (they override the defaults).

        Raises:
            InvalidSettingError: A setting is out of range.
            DefinitionError: httpx is not installed.
        """
        _check_settings(model, base_url, timeout, temperature, max_tokens, extra_headers)
        self.model = model
        """The model name."""
        self.base_url = base_url.rstrip("/")
        """The API root, without a trailing slash."""
        self.timeout = float(timeout)
        """Seconds allowed to connect, and between bytes of the reply."""
        self.temperature = temperature
        """Sampling temperature, or ``None`` for the server's default."""
        self.max_tokens = max_tokens
        """The most tokens to generate, or ``None`` for the server's default."""
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        headers.update(extra_headers or {})
        secrets = [api_key or ""] + [
            value
            for name, value in headers.items()
            if any(part in name.lower() for part in _SECRET_HEADER_PARTS)
        ]
        self._transport = _transport_class()(
            f"{self.base_url}/chat/completions",
            timeout=self.timeout,
            headers=headers,
            redact=Redactor(secrets),
        )

    def __repr__(self) -> str:
        """Show the model and the URL, never the key."""
        return f"OpenAICompatibleModel({self.model!r}, base_url={self.base_url!r})"

    def _body(
        self,
        messages: Sequence[Message],
        tool_specs: Sequence[ToolSpec],
        system_prompt: str | None,
        *,
        stream: bool,
    ) -> dict[str, Any]:
        """Build the request body with this model's settings."""
        return request_body(
            self.model,
            messages,
            tool_specs,
            system_prompt,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            stream=stream,
        )

    async def complete(
        self,
        messages: Sequence[Message],
        tool_specs: Sequence[ToolSpec],
        system_prompt: str | None,
    ) -> ModelResponse:
        """
        Ask the server for the next turn and wait for the whole reply.

        Args:
            messages: The conversation so far.
            tool_specs: The tools the model may call.
            system_prompt: Sent as a ``system`` message, when given.

        Returns:
            The turn. Tool calls without an id get ``"tooluse_{turn}_{call}"``.

        Raises:
            ModelError: A subclass says what failed (see the class docstring).
        """
        body = self._body(messages, tool_specs, system_prompt, stream=False)
        data = await self._transport.post_json(body)
        return parse_completion(data, assistant_turn_index(messages))

    async def stream(
        self,
        messages: Sequence[Message],
        tool_specs: Sequence[ToolSpec],
        system_prompt: str | None,
    ) -> AsyncIterator[ModelStreamEvent]:
        """
        Ask the server for the next turn and yield its text as it arrives.

        Tool call fragments are assembled by their index; the usage comes from the last
        chunk (``stream_options.include_usage`` is requested).

        Args:
            messages: The conversation so far.
            tool_specs: The tools the model may call.
            system_prompt: Sent as a ``system`` message, when given.

        Yields:
            A :class:`TextDelta` per content delta, then the :class:`ModelResponse`.

        Raises:
            ModelError: A subclass says what failed (see the class docstring).
        """
        body = self._body(messages, tool_specs, system_prompt, stream=True)
        assembler = StreamAssembler(assistant_turn_index(messages))
        done = False
        async with aclosing(self._transport.post_events(body)) as events:
            async for data in events:
                if data.strip() == DONE:
                    done = True
                    break
                try:
                    chunk = json.loads(data)
                except ValueError:
                    raise ModelResponseError(
                        f"a streamed chunk is not JSON: {data[:200]!r}"
                    ) from None
                text = assembler.feed(chunk)
                if text:
                    yield TextDelta(text)
        if not done and assembler.finish_reason is None:
            raise ModelResponseError("the stream ended before the reply was complete")
        yield assembler.response()

    async def aclose(self) -> None:
        """Close the HTTP client of the running loop (and ask other loops to close theirs)."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        """Return the model; its clients are closed on exit."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the HTTP clients."""
        await self.aclose()
