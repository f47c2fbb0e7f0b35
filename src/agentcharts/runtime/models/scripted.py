"""``ScriptedModel``: a model that plays a fixed list of turns, for tests, examples and demos."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentcharts.exceptions import DefinitionError, ScriptExhaustedError
from agentcharts.runtime.models._turns import PlannedCall, TurnFormatError, TurnModel, parse_turn

if TYPE_CHECKING:
    from collections.abc import Sequence

    from agentcharts.runtime.models._turns import Turn
    from agentcharts.schemas.messages import Message, ToolSpec

__all__ = ["ScriptedModel"]


class ScriptedModel(TurnModel):
    """
    A model that answers with the turns of a script, in order, with no network.

    Each turn is either a ``str`` (the assistant's final text, stop reason ``"end_turn"``)
    or a non-empty list of tool calls ``{"name": str, "input": dict}`` with an optional
    ``"id"`` (stop reason ``"tool_use"``). A call without an id gets
    ``"tooluse_{turn}_{call}"``.

    The model keeps no state about a conversation: the turn it plays is the number of
    assistant messages already in the conversation. So an agent whose messages were
    restored in a fresh process, with a freshly built ``ScriptedModel`` of the same script,
    continues the script where it stopped; and each agent sharing one ``ScriptedModel``
    plays the script from its own first turn.

    Streaming yields a text turn in word-sized deltas. Usage counts one token per four
    characters (see the models guide).

    Example::

        model = ScriptedModel([[{"name": "get_weather", "input": {"city": "Oslo"}}], "Sunny."])

    .. versionadded:: 0.1
    """

    def __init__(self, turns: Sequence[Turn]) -> None:
        """
        Check the script and keep it.

        Args:
            turns: The turns, in order.

        Raises:
            DefinitionError: ``turns`` is not a list, or a turn is malformed (the message
                names the turn's index and what is wrong).
        """
        if isinstance(turns, str) or not isinstance(turns, (list, tuple)):
            raise DefinitionError(
                f"ScriptedModel takes a list of turns, got {type(turns).__name__}; "
                "wrap a single text turn in a list"
            )
        checked: list[str | tuple[PlannedCall, ...]] = []
        for index, turn in enumerate(turns):
            try:
                checked.append(parse_turn(turn))
            except TurnFormatError as error:
                raise DefinitionError(f"ScriptedModel turn {index}: {error}") from None
        self._turns = tuple(checked)

    def __len__(self) -> int:
        """Return the number of turns in the script."""
        return len(self._turns)

    def __repr__(self) -> str:
        """Show the number of turns."""
        return f"ScriptedModel(<{len(self._turns)} turn(s)>)"

    async def _turn(
        self, messages: Sequence[Message], tool_specs: Sequence[ToolSpec], turn_index: int
    ) -> str | tuple[PlannedCall, ...]:
        """
        Return the script's turn at ``turn_index``.

        Args:
            messages: The conversation so far (unused: the index already counts it).
            tool_specs: The tools (unused: a script does not look at them).
            turn_index: The number of assistant messages in the conversation.

        Returns:
            The checked turn.

        Raises:
            ScriptExhaustedError: The script holds no turn at that index.
        """
        del messages, tool_specs
        if turn_index >= len(self._turns):
            raise ScriptExhaustedError(len(self._turns))
        return self._turns[turn_index]
