"""
The HTTP transport of the OpenAI-compatible adapter, over httpx (an optional dependency).

One ``httpx.AsyncClient`` is kept per event loop: a client's connections belong to the loop
that opened them, and a model may be called from several loops (each sync call of an agent
runs its own). When that loop shuts down (``asyncio.run`` and ``asyncio.Runner`` finalize
async generators before closing), its client is closed with it, so no connection outlives
its loop.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import TYPE_CHECKING

import httpx

from agentcharts.exceptions import ModelConnectionError, ModelResponseError, ModelTimeoutError
from agentcharts.runtime.models._http_errors import error_for_status
from agentcharts.runtime.models._sse import sse_data

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Mapping

    from agentcharts.runtime.models._http_errors import Redactor

__all__ = ["HttpTransport", "LoopClients"]


async def _close_with_loop(client: httpx.AsyncClient) -> AsyncGenerator[None]:
    """Wait at a ``yield``; when the loop finalizes this generator, close the client."""
    try:
        yield
    finally:
        await client.aclose()


async def _finish(closer: AsyncGenerator[None]) -> None:
    """Finalize a closer generator on its own loop, which closes its client."""
    await closer.aclose()


class LoopClients:
    """One ``httpx.AsyncClient`` per running event loop, each closed when its loop shuts down."""

    def __init__(self, timeout: float, headers: Mapping[str, str]) -> None:
        """
        Configure the clients to come.

        Args:
            timeout: The connect, read, write and pool timeout, in seconds.
            headers: Headers sent with every request.
        """
        self._timeout = timeout
        self._headers = dict(headers)
        self._lock = threading.Lock()
        self._clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, AsyncGenerator[None]]
        ] = weakref.WeakKeyDictionary()

    async def get(self) -> httpx.AsyncClient:
        """
        Return the running loop's client, creating it on first use.

        Returns:
            The client.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            for other in [lp for lp in self._clients if lp.is_closed()]:
                del self._clients[other]
            entry = self._clients.get(loop)
            if entry is not None and not entry[0].is_closed:
                return entry[0]
            client = httpx.AsyncClient(timeout=httpx.Timeout(self._timeout), headers=self._headers)
            closer = _close_with_loop(client)
            self._clients[loop] = (client, closer)
        # The first step registers the generator with the loop's async-generator hooks.
        await anext(closer)
        return client

    async def aclose(self) -> None:
        """Close the running loop's client; ask other live loops to close theirs."""
        current = asyncio.get_running_loop()
        with self._lock:
            entries = list(self._clients.items())
            self._clients.clear()
        for loop, (_, closer) in entries:
            if loop is current:
                await closer.aclose()
            elif not loop.is_closed():
                asyncio.run_coroutine_threadsafe(_finish(closer), loop)


class HttpTransport:
    """Posts chat-completions requests and maps every transport failure to a typed error."""

    def __init__(
        self, url: str, *, timeout: float, headers: Mapping[str, str], redact: Redactor
    ) -> None:
        """
        Configure the transport.

        Args:
            url: The endpoint (``.../chat/completions``).
            timeout: The connect, read, write and pool timeout, in seconds.
            headers: Headers sent with every request (credentials included).
            redact: Hides secrets in error messages.
        """
        self.url = url
        self.timeout = timeout
        self._redact = redact
        self._clients = LoopClients(timeout, headers)

    def _transport_error(self, error: httpx.TransportError) -> Exception:
        """Map an httpx transport failure to a timeout or a connection error."""
        detail = self._redact(str(error) or type(error).__name__)
        if isinstance(error, httpx.TimeoutException):
            return ModelTimeoutError(
                f"no answer from {self.url} within {self.timeout:g}s ({type(error).__name__})"
            )
        return ModelConnectionError(f"cannot reach {self.url}: {detail}")

    async def _raise_for_status(self, response: httpx.Response) -> None:
        """Raise the typed error for an unsuccessful status, after reading the body."""
        if response.is_success:
            return
        body = await response.aread()
        raise error_for_status(
            response.status_code, response.headers.get("retry-after"), body, self._redact
        )

    async def post_json(self, body: Mapping[str, object]) -> object:
        """
        Post a request and decode the JSON reply.

        Args:
            body: The request body.

        Returns:
            The decoded reply.

        Raises:
            ModelTimeoutError: The server did not connect or answer in time.
            ModelConnectionError: The server could not be reached, or dropped the connection.
            ModelRateLimitError: HTTP 429.
            ModelServerError: HTTP 5xx.
            ModelRequestError: Any other unsuccessful status.
            ModelResponseError: The reply is not JSON.
        """
        client = await self._clients.get()
        try:
            response = await client.post(self.url, json=body)
            await self._raise_for_status(response)
        except httpx.TransportError as error:
            raise self._transport_error(error) from error
        try:
            return response.json()
        except ValueError:
            excerpt = self._redact(response.text[:200])
            raise ModelResponseError(f"the reply is not JSON: {excerpt!r}") from None

    async def post_events(self, body: Mapping[str, object]) -> AsyncGenerator[str]:
        """
        Post a streaming request and yield the data of each server-sent event.

        Args:
            body: The request body (with ``"stream": true``).

        Yields:
            Each event's data, as text.

        Raises:
            ModelTimeoutError: The server did not connect or send the next line in time.
            ModelConnectionError: The server could not be reached, or dropped the connection.
            ModelRateLimitError: HTTP 429.
            ModelServerError: HTTP 5xx.
            ModelRequestError: Any other unsuccessful status.
        """
        client = await self._clients.get()
        try:
            async with client.stream("POST", self.url, json=body) as response:
                await self._raise_for_status(response)
                async for data in sse_data(response.aiter_lines()):
                    yield data
        except httpx.TransportError as error:
            raise self._transport_error(error) from error

    async def aclose(self) -> None:
        """Close the HTTP clients (see :meth:`LoopClients.aclose`)."""
        await self._clients.aclose()
