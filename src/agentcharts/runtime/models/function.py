"""``FunctionModel``: a model whose turns come from a Python function, for models that react."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeAlias

from agentcharts.exceptions import DefinitionError, ModelResponseError
from agentcharts.runtime.models._turns import (
    PlannedCall,
    Turn,
    TurnFormatError,
    TurnModel,
    parse_turn,
)
from agentcharts.schemas.messages import Message, ToolSpec

__all__ = ["FunctionModel", "TurnFunction"]

TurnFunction: TypeAlias = Callable[[Sequence[Message], Sequence[ToolSpec]], Turn | Awaitable[Turn]]
"""
A function ``fn(messages, tool_specs)`` that returns the next turn, or an awaitable of it.

.. versionadded:: 0.1
"""


class FunctionModel(TurnModel):
    """
    A model whose every turn is computed by a function, with no network.

    ``fn(messages, tool_specs)`` gets the conversation so far and the tool specs, and returns
    a turn in the ``ScriptedModel`` format: a ``str`` (final text) or a non-empty list of
    tool calls ``{"name": str, "input": dict}`` with an optional ``"id"``. It may be a plain
    function (it then runs on the event loop, so keep it quick) or an ``async`` one. Calls
    without an id get ``"tooluse_{turn}_{call}"``, where ``turn`` is the number of assistant
    messages in the conversation. Errors raised by ``fn`` propagate unchanged.

    Example::

        def react(messages, tool_specs):
            last = messages[-1].content[-1]
            if getattr(last, "content", None) == "sunny":
                return "It is sunny."
            return [{"name": "get_weather", "input": {"city": "Oslo"}}]


        model = FunctionModel(react)

    .. versionadded:: 0.1
    """

    def __init__(self, fn: TurnFunction) -> None:
        """
        Keep the function.

        Args:
            fn: The function that makes each turn.

        Raises:
            DefinitionError: ``fn`` is not callable.
        """
        if not callable(fn):
            raise DefinitionError(f"FunctionModel needs a callable, got {type(fn).__name__}")
        self.fn = fn
        """The function that makes each turn."""

    def __repr__(self) -> str:
        """Show the function's name."""
        return f"FunctionModel({getattr(self.fn, '__qualname__', repr(self.fn))})"

    async def _turn(
        self, messages: Sequence[Message], tool_specs: Sequence[ToolSpec], turn_index: int
    ) -> str | tuple[PlannedCall, ...]:
        """
        Call the function and check the turn it returns.

        Args:
            messages: The conversation so far.
            tool_specs: The tools the model may call.
            turn_index: The number of assistant messages in ``messages``.

        Returns:
            The checked turn.

        Raises:
            ModelResponseError: The function returned something that is not a turn (the
                message names the turn's index and what is wrong).
        """
        result = self.fn(tuple(messages), tuple(tool_specs))
        turn = await result if inspect.isawaitable(result) else result
        try:
            return parse_turn(turn)
        except TurnFormatError as error:
            raise ModelResponseError(
                f"FunctionModel {getattr(self.fn, '__qualname__', '')} turn {turn_index}: {error}"
            ) from None
