"""Hooks: callbacks the agent and the graph call before and after each step."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from attrs import define, field

from agentcharts.exceptions import DefinitionError
from agentcharts.runtime.models import ModelResponse
from agentcharts.runtime.tools._tool import Tool
from agentcharts.schemas.messages import Message, ToolResultBlock, ToolUseBlock

__all__ = [
    "AfterInvocationEvent",
    "AfterModelCallEvent",
    "AfterToolCallEvent",
    "BeforeInvocationEvent",
    "BeforeModelCallEvent",
    "BeforeToolCallEvent",
    "HookEvent",
    "HookProvider",
    "HookRegistry",
]

EventT = TypeVar("EventT", bound="HookEvent")


class HookEvent:
    """Base class of every hook event; ``after_*`` events run their callbacks in reverse order."""

    reverse_order: bool = False
    """Whether callbacks run last-registered first (true for the ``after_*`` events)."""


@define
class BeforeInvocationEvent(HookEvent):
    """An agent invocation is about to start."""

    agent: Any
    """The agent."""
    prompt: Any
    """The prompt, or the resume input."""


@define
class AfterInvocationEvent(HookEvent):
    """An agent invocation has ended (with a final answer, an interrupt or a limit)."""

    reverse_order = True
    agent: Any
    """The agent."""
    result: Any
    """The ``AgentResult``."""


@define
class BeforeModelCallEvent(HookEvent):
    """The model is about to be called."""

    agent: Any
    """The agent."""
    messages: Sequence[Message]
    """The conversation the model will see."""


@define
class AfterModelCallEvent(HookEvent):
    """The model has answered."""

    reverse_order = True
    agent: Any
    """The agent."""
    response: ModelResponse
    """The model's response."""


@define
class BeforeToolCallEvent(HookEvent):
    """
    A tool is about to run.

    A callback may ask a human first with :meth:`interrupt`, and may cancel the call by
    setting :attr:`cancel_tool` to a message (or ``True``); the model then sees that message
    as the tool's error result.
    """

    agent: Any
    """The agent."""
    tool_use: ToolUseBlock
    """The model's request."""
    tool: Tool[Any] | None
    """The tool, or ``None`` when the model named an unknown tool."""
    cancel_tool: str | bool = False
    """Set to a message (or ``True``) to cancel the call instead of running it."""
    _interrupt: Callable[[str, Any], Any] | None = field(
        default=None, repr=False, alias="_interrupt"
    )

    def interrupt(self, name: str, reason: Any = None) -> Any:
        """
        Ask a human, and return the response once one is given.

        The first time, this stops the agent with an interrupt; when the agent is resumed
        with a response, the hook runs again and this returns the response.

        Args:
            name: The interrupt's name, unique among this hook's interrupts for this call.
            reason: Why it is asked: any JSON value, shown to the human.
        """
        if self._interrupt is None:
            msg = "this event was not created by an agent run and cannot interrupt"
            raise DefinitionError(msg)
        return self._interrupt(name, reason)


@define
class AfterToolCallEvent(HookEvent):
    """A tool call has settled; a callback may replace :attr:`result`."""

    reverse_order = True
    agent: Any
    """The agent."""
    tool_use: ToolUseBlock
    """The model's request."""
    result: ToolResultBlock
    """The result the model will see."""


@runtime_checkable
class HookProvider(Protocol):
    """An object that registers several callbacks at once."""

    def register_hooks(self, registry: HookRegistry) -> None:
        """Add this provider's callbacks to ``registry``."""


def _as_provider(provider: object) -> HookProvider:
    if not isinstance(provider, HookProvider):
        msg = f"a hook must have a register_hooks(registry) method, got {provider!r}"
        raise DefinitionError(msg)
    return provider


def _check_event_type(event_type: object) -> None:
    if not (isinstance(event_type, type) and issubclass(event_type, HookEvent)):
        msg = f"hooks are registered for HookEvent classes, got {event_type!r}"
        raise DefinitionError(msg)


class HookRegistry:
    """Callbacks by event type; sync and async callbacks both work."""

    def __init__(self, hooks: Iterable[HookProvider] = ()) -> None:
        """
        Build a registry, letting each provider register its callbacks.

        Args:
            hooks: Providers (objects with ``register_hooks(registry)``).
        """
        self._callbacks: dict[type[HookEvent], list[Callable[[Any], Any]]] = {}
        for provider in hooks:
            _as_provider(provider).register_hooks(self)

    def add(self, event_type: type[EventT], callback: Callable[[EventT], Any]) -> None:
        """
        Call ``callback`` for every event of ``event_type``.

        Args:
            event_type: A hook event class (``BeforeToolCallEvent``).
            callback: A function or coroutine function taking the event.
        """
        _check_event_type(event_type)
        self._callbacks.setdefault(event_type, []).append(callback)

    def has(self, event_type: type[HookEvent]) -> bool:
        """Return whether any callback is registered for ``event_type``."""
        return bool(self._callbacks.get(event_type))

    async def dispatch(self, event: HookEvent) -> None:
        """Call every callback registered for the event's type, in order; await async ones."""
        callbacks = self._callbacks.get(type(event), [])
        for callback in reversed(callbacks) if event.reverse_order else callbacks:
            outcome = callback(event)
            if inspect.isawaitable(outcome):
                await outcome
