"""
The condition language of graph file edges: data, never code.

An edge's ``when:`` is a mapping with exactly one operator:

- ``{output_contains: TEXT}``, ``{output_equals: TEXT}``, ``{output_matches: REGEX}``: a
  node's output text contains, equals, or matches (``re.search``) the value. The node is
  the edge's source unless ``node:`` names another; ``ignore_case: true`` ignores case.
- ``{status: STATE, node: ID}``: a node is in that state (``completed``, ``failed``...).
- ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``: combine conditions.

A node that has not finished has the output ``""``. Nothing in a condition is evaluated as
Python; a condition only reads the graph state it is given.

.. versionadded:: 0.1
"""

from __future__ import annotations

import abc
import re
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from agentcharts.schemas.status import Status

if TYPE_CHECKING:
    from agentcharts.runtime.graph import GraphState

__all__ = ["Condition", "ConditionError", "compile_condition"]

_TEXT_OPERATORS: Final = ("output_contains", "output_equals", "output_matches")


class ConditionError(ValueError):
    """A condition cannot be compiled; ``path`` says where inside the edge."""

    def __init__(self, path: str, problem: str) -> None:
        """
        Build the error.

        Args:
            path: The key path of the bad part (``edges[0].when.any[1].output_matches``).
            problem: What is wrong.
        """
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class Condition(abc.ABC):
    """A compiled edge condition: call it with a ``GraphState``; ``description`` labels it."""

    description: str = "condition"
    """How the condition reads in diagrams (``writer output contains 'yes'``)."""

    @abc.abstractmethod
    def __call__(self, state: GraphState) -> bool:
        """Evaluate the condition on the graph state."""

    @abc.abstractmethod
    def node_ids(self) -> frozenset[str]:
        """The nodes this condition reads."""


@frozen
class _TextTest(Condition):
    """``output_contains``, ``output_equals`` or ``output_matches`` on one node's output."""

    operator: str
    """The operator's key."""
    node: str
    """The node whose output is read."""
    value: str
    """The text (or regular expression) to look for."""
    ignore_case: bool = False
    """Whether case is ignored."""

    @property
    def description(self) -> str:  # type: ignore[override]
        verb = self.operator.removeprefix("output_")
        verb = {"contains": "contains", "equals": "is", "matches": "matches"}[verb]
        case = " (any case)" if self.ignore_case else ""
        return f"{self.node} output {verb} {self.value!r}{case}"

    def __call__(self, state: GraphState) -> bool:
        text = state.text_of(self.node)
        value = self.value
        if self.operator == "output_matches":
            flags = re.IGNORECASE if self.ignore_case else 0
            return re.search(value, text, flags) is not None
        if self.ignore_case:
            text, value = text.casefold(), value.casefold()
        if self.operator == "output_contains":
            return value in text
        return text == value

    def node_ids(self) -> frozenset[str]:
        return frozenset({self.node})


@frozen
class _StatusTest(Condition):
    """``status``: a node is in a given state."""

    node: str
    """The node."""
    status: Status
    """The state it must be in."""

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"{self.node} is {self.status.value}"

    def __call__(self, state: GraphState) -> bool:
        return state.statuses.get(self.node) is self.status

    def node_ids(self) -> frozenset[str]:
        return frozenset({self.node})


@frozen
class _Combination(Condition):
    """``all``, ``any`` or ``not`` over other conditions."""

    operator: str
    """The operator's key."""
    parts: tuple[Condition, ...]
    """The conditions combined (one for ``not``)."""

    @property
    def description(self) -> str:  # type: ignore[override]
        if self.operator == "not":
            return f"not ({self.parts[0].description})"
        joiner = " and " if self.operator == "all" else " or "
        return joiner.join(f"({part.description})" for part in self.parts)

    def __call__(self, state: GraphState) -> bool:
        if self.operator == "not":
            return not self.parts[0](state)
        if self.operator == "all":
            return all(part(state) for part in self.parts)
        return any(part(state) for part in self.parts)

    def node_ids(self) -> frozenset[str]:
        return frozenset().union(*(part.node_ids() for part in self.parts))


def compile_condition(data: dict[str, Any], *, source: str, path: str = "when") -> Condition:
    """
    Compile the ``when:`` mapping of an edge (already checked against the schema).

    Args:
        data: The condition mapping.
        source: The edge's source node: what ``node`` defaults to.
        path: The mapping's key path, for errors.

    Returns:
        The condition, callable with a ``GraphState``.

    Raises:
        ConditionError: An ``output_matches`` value is not a valid regular expression, or a
            mapping has no known operator.
    """
    for operator in _TEXT_OPERATORS:
        if operator in data:
            value = str(data[operator])
            ignore_case = bool(data.get("ignore_case", False))
            if operator == "output_matches":
                try:
                    re.compile(value)
                except re.error as error:
                    problem = f"invalid regular expression {value!r}: {error}"
                    raise ConditionError(f"{path}.{operator}", problem) from None
            return _TextTest(operator, str(data.get("node", source)), value, ignore_case)
    if "status" in data:
        return _StatusTest(str(data["node"]), Status(data["status"]))
    if "not" in data:
        inner = compile_condition(data["not"], source=source, path=f"{path}.not")
        return _Combination("not", (inner,))
    for operator in ("all", "any"):
        if operator in data:
            parts = tuple(
                compile_condition(part, source=source, path=f"{path}.{operator}[{index}]")
                for index, part in enumerate(data[operator])
            )
            return _Combination(operator, parts)
    raise ConditionError(path, f"no condition operator among {sorted(data)}")
