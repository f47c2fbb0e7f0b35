"""A real chat-completions HTTP server on 127.0.0.1, scripted per request path."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs
import pytest


@attrs.define
class Reply:
    """What the server answers to one request."""

    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = attrs.field(factory=dict)
    events: list[str] | None = None
    """Server-sent event payloads, each sent as ``data: ...`` and flushed on its own."""
    pause_after: int | None = None
    """Wait for ``ChatServer.proceed`` after sending this many events."""
    hang: bool = False
    """Read the request, then send nothing until the server shuts down."""


@attrs.define
class Recorded:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: Any


Route = Reply | Callable[[Any], dict[str, Any]]


class ChatServer:
    """The server under the tests' control: routes by the path's first segment."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Recorded] = []
        self.proceed = threading.Event()
        self.paused_ok: list[bool] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Keep the test output quiet."""

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                server.requests.append(Recorded(self.path, dict(self.headers.items()), body))
                route = server.routes[self.path.strip("/").split("/")[0]]
                reply = Reply(**route(body)) if callable(route) else route
                server.answer(self, reply)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = False
        self.httpd.block_on_close = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def route(
        self, name: str, respond: Callable[[Any], dict[str, Any]] | None = None, **reply: Any
    ) -> str:
        """
        Script the replies of a route and return its base URL.

        ``respond(body)`` returns the reply's fields for each request; without it every
        request gets ``Reply(**reply)``.
        """
        self.routes[name] = respond if respond is not None else Reply(**reply)
        return self.url(name)

    def url(self, route: str) -> str:
        """Return the base URL (``.../v1``) of a route."""
        return f"http://127.0.0.1:{self.port}/{route}/v1"

    def answer(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        """Send a reply on a handler's connection."""
        if reply.hang:
            self.release.wait(30)
            return
        if reply.events is not None:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "text/event-stream")
            handler.end_headers()
            for index, event in enumerate(reply.events):
                if reply.pause_after is not None and index == reply.pause_after:
                    self.paused_ok.append(self.proceed.wait(10))
                handler.wfile.write(f"data: {event}\n\n".encode())
                handler.wfile.flush()
            return
        body = reply.body
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        payload = body.encode() if isinstance(body, str) else body
        handler.send_response(reply.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def close(self) -> None:
        """Release hung handlers, stop serving and join every thread."""
        self.release.set()
        self.proceed.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    """Start a chat-completions server for one test and shut it down after."""
    server = ChatServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.close()
    assert not server.thread.is_alive()


@pytest.fixture
def closed_port() -> int:
    """Return a port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
