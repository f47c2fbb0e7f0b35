"""Print a graph's stream events as progress lines: one line per node or tool change."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from agentcharts.runtime.events import (
    NodeCompleted,
    NodeFailed,
    NodeInterrupted,
    NodeStarted,
    NodeStreamEvent,
    ToolCallFinished,
    ToolCallStarted,
)

if TYPE_CHECKING:
    from agentcharts.cli._console import Console
    from agentcharts.runtime.events import StreamEvent

__all__ = ["Progress", "short_text"]

_WIDTH = 100


def short_text(value: Any, width: int = _WIDTH) -> str:
    """
    Show a value on one line: its first line of text (or its JSON), cut at ``width``.

    Args:
        value: A text, or any JSON value.
        width: The most characters to show.

    Returns:
        The one-line form, ending with ``...`` when cut.
    """
    if isinstance(value, str):
        text = value.strip()
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError):
            text = str(value)
    lines = text.splitlines() or [""]
    first = lines[0] + (" ..." if len(lines) > 1 else "")
    return first if len(first) <= width else first[: width - 3] + "..."


class Progress:
    """Turns stream events into lines like ``[weather_agent] completed: It is sunny``."""

    def __init__(self, console: Console) -> None:
        """
        Print to a console.

        Args:
            console: Where the lines go.
        """
        self.console = console

    def event(self, event: StreamEvent) -> None:
        """Print the line for one event (text deltas and other events print nothing)."""
        prefix = ""
        while isinstance(event, NodeStreamEvent):
            prefix = f"{prefix}{event.node_id}/"
            event = event.event
        message = self._message(event, prefix.rstrip("/"))
        if message is None:
            return
        node, text = message
        self.console.line(f"[{node}] {text}")

    @staticmethod
    def _message(event: StreamEvent, path: str) -> tuple[str, str] | None:
        """Return ``(node path, text)`` for an event, or ``None`` to print nothing."""
        prefix = f"{path}/" if path else ""
        if isinstance(event, ToolCallStarted):
            return path or event.agent, f"tool {event.name} running"
        if isinstance(event, ToolCallFinished):
            shown = "" if event.result is None else f": {short_text(event.result)}"
            return path or event.agent, f"tool {event.name} {event.status}{shown}"
        message = Progress._node_message(event)
        return None if message is None else (prefix + message[0], message[1])

    @staticmethod
    def _node_message(event: StreamEvent) -> tuple[str, str] | None:
        if isinstance(event, NodeStarted):
            return event.node_id, "resumed" if event.resumed else "executing"
        if isinstance(event, NodeCompleted):
            return event.node_id, f"completed: {short_text(event.text)}"
        if isinstance(event, NodeFailed):
            return event.node_id, f"failed: {short_text(event.error)}"
        if isinstance(event, NodeInterrupted):
            names = ", ".join(sorted({i.name for i in event.interrupts}))
            return event.node_id, f"interrupted: waiting for {names}"
        return None
