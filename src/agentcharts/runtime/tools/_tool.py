"""
Tools: Python functions a model can call, with a JSON Schema derived from their type hints.

``@tool`` turns a function into a :class:`Tool`. The tool's input schema comes from the
function's type hints and its docstring; :meth:`Tool.bind` checks the model's JSON input
against those hints and builds the keyword arguments to call the function with.

.. versionadded:: 0.1
"""

from __future__ import annotations

import contextlib
import copy
import enum
import functools
import inspect
import math
import re
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, overload

from agentcharts.exceptions import DefinitionError, InvalidSettingError, ToolInputError
from agentcharts.runtime.retry import RetryPolicy
from agentcharts.runtime.tools._input import MISSING, Field, ObjectShape, structure_object
from agentcharts.runtime.tools._schema import (
    ShapeParser,
    UnsupportedHintError,
    parse_docstring,
    render_object,
)
from agentcharts.schemas.messages import ToolSpec

__all__ = ["NOT_GIVEN", "NotGiven", "Tool", "Toolbox", "tool", "tool_specs"]

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_PARAMETER: Final = "tool_context"
"""The parameter through which a ``context=True`` tool receives its ``ToolContext``."""

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class NotGiven(enum.Enum):
    """The type of :data:`NOT_GIVEN`: an option the decorator was not given."""

    NOT_GIVEN = "NOT_GIVEN"
    """The only member."""

    def __repr__(self) -> str:
        """Return ``NOT_GIVEN``."""
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
"""Default of the decorator's override options: unlike ``None``, it means "not set here"."""


class Tool(Generic[F]):
    """
    A function a model can call: its name, description, input schema, and call options.

    Calling the tool calls the function as written (``add(1, 2)``); the agent instead calls
    :meth:`bind` on the model's input and then :attr:`fn` with the result.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        fn: F,
        *,
        name: str | None = None,
        description: str | None = None,
        context: bool = False,
        timeout: float | NotGiven | None = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven | None = NOT_GIVEN,
        idempotent: bool | NotGiven = NOT_GIVEN,
    ) -> None:
        """
        Wrap a function; the options are those of :func:`tool`.

        Args:
            fn: A function or method, sync or ``async``, every parameter type-hinted.
            name: The tool's name for the model; the function's name by default.
            description: What the tool does, for the model; the docstring by default.
            context: Pass a ``ToolContext`` as the function's ``tool_context`` parameter.
            timeout: Seconds per attempt, or ``None`` for no timeout; overrides the agent's.
            retry_policy: How failed attempts are retried; overrides the agent's.
            idempotent: Whether a timed-out attempt that may still run may be retried.

        Raises:
            DefinitionError: The function or an option cannot make a tool.
        """
        if isinstance(fn, Tool):
            raise DefinitionError(f"{fn!r} is already a tool")
        if not (inspect.isfunction(fn) or inspect.ismethod(fn)):
            raise DefinitionError(f"a tool must be a function or a method, got {fn!r}")
        if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
            raise DefinitionError(f"tool function {fn.__qualname__} is a generator; return a value")
        self.fn: F = fn
        """The function as written."""
        self.name: str = _check_name(fn, name)
        """The name the model calls the tool by."""
        self.is_async: bool = inspect.iscoroutinefunction(fn)
        """Whether the function is ``async def``."""
        if not isinstance(context, bool):
            raise InvalidSettingError("context", context, "True or False")
        self.takes_context: bool = context
        """Whether the function takes a ``ToolContext`` as ``tool_context``."""
        self._overrides = _check_overrides(timeout, retry_policy, idempotent)
        self.timeout: float | None = self._overrides.get("timeout")
        """Seconds per attempt given to the decorator (``None`` if none or not given)."""
        self.retry_policy: RetryPolicy | None = self._overrides.get("retry_policy")
        """The retry policy given to the decorator, if any."""
        self.idempotent: bool = self._overrides.get("idempotent", False)
        """Whether an abandoned timed-out attempt may be retried (False unless given)."""
        doc = parse_docstring(fn.__doc__)
        if description is not None and not isinstance(description, str):
            raise InvalidSettingError("description", description, "a string")
        self.description: str = description if description is not None else doc.description
        """What the tool does, for the model."""
        if not self.description:
            self.description = self.name
        self._input = _input_shape(fn, self.name, doc.args, context=context)
        self._input_schema = _render(self._input)
        functools.update_wrapper(self, fn, updated=())

    if TYPE_CHECKING:
        __wrapped__: F

    @property
    def __call__(self) -> F:
        """Call the function as written: the tool is as callable as the function."""
        return self.fn

    @property
    def input_schema(self) -> dict[str, Any]:
        """The JSON Schema (Draft 2020-12) of the tool's input; a fresh copy each time."""
        return copy.deepcopy(self._input_schema)

    @property
    def spec(self) -> ToolSpec:
        """What the model is told about the tool: name, description and input schema."""
        return ToolSpec(self.name, self.description, self.input_schema)

    def overrides(self) -> dict[str, Any]:
        """
        Return the call options the decorator was given, to merge over the agent's config.

        Returns:
            A dict with only the keys given among ``timeout``, ``retry_policy`` and
            ``idempotent`` (an explicit ``timeout=None`` is kept: it means no timeout).
        """
        return dict(self._overrides)

    def bind(self, input: Mapping[str, Any]) -> dict[str, Any]:  # noqa: A002 - the model's word
        """
        Check the model's input against the type hints and build the call's keyword arguments.

        Args:
            input: The model's input: a JSON object, as decoded.

        Returns:
            Every parameter except ``tool_context``, defaults filled in, nested values built
            into the hinted types (class instances, enum members, tuples, sets).

        Raises:
            ToolInputError: The input does not fit; ``problems`` lists every mismatch.
        """
        problems: list[tuple[str, str]] = []
        kwargs = structure_object(self._input, input, "", problems, fill_defaults=True)
        if problems:
            raise ToolInputError(self.name, problems)
        return kwargs

    def __repr__(self) -> str:
        """Return ``<Tool 'name' (sync)>``."""
        return f"<Tool {self.name!r} ({'async' if self.is_async else 'sync'})>"


@overload
def tool(
    fn: F,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    context: bool = False,
    timeout: float | NotGiven | None = NOT_GIVEN,
    retry_policy: RetryPolicy | NotGiven | None = NOT_GIVEN,
    idempotent: bool | NotGiven = NOT_GIVEN,
) -> Tool[F]: ...


@overload
def tool(
    fn: None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    context: bool = False,
    timeout: float | NotGiven | None = NOT_GIVEN,
    retry_policy: RetryPolicy | NotGiven | None = NOT_GIVEN,
    idempotent: bool | NotGiven = NOT_GIVEN,
) -> Callable[[F], Tool[F]]: ...


def tool(
    fn: F | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    context: bool = False,
    timeout: float | NotGiven | None = NOT_GIVEN,
    retry_policy: RetryPolicy | NotGiven | None = NOT_GIVEN,
    idempotent: bool | NotGiven = NOT_GIVEN,
) -> Tool[F] | Callable[[F], Tool[F]]:
    """
    Turn a function into a tool a model can call; use bare (``@tool``) or with options.

    The input schema comes from the type hints (every parameter needs one), the description
    from the docstring's text before its sections, and each parameter's description from
    the docstring's ``Args:`` section or an ``Annotated[X, "text"]`` hint.

    Args:
        fn: The function, when used bare.
        name: The tool's name for the model (letters, digits, ``_`` and ``-``, at most 64);
            the function's name by default.
        description: What the tool does; the docstring's description by default.
        context: Pass a ``ToolContext`` to the function's ``tool_context`` parameter (left
            out of the schema) so it can read the call or ask a human with ``interrupt()``.
        timeout: Seconds per attempt, or ``None`` for no timeout (overrides the agent's).
        retry_policy: A ``RetryPolicy`` for failed attempts, or ``None`` for no retries
            (overrides the agent's).
        idempotent: Whether a timed-out attempt that may still run may be retried.

    Returns:
        The :class:`Tool`, or a decorator that makes one.

    Raises:
        DefinitionError: A parameter has no type hint or an unsupported one, takes
            ``*args``/``**kwargs``, or the options are invalid.

    .. versionadded:: 0.1
    """

    def make(function: F) -> Tool[F]:
        return Tool(
            function,
            name=name,
            description=description,
            context=context,
            timeout=timeout,
            retry_policy=retry_policy,
            idempotent=idempotent,
        )

    return make if fn is None else make(fn)


class Toolbox(Mapping[str, Tool[Any]]):
    """
    An agent's tools by name; plain functions are wrapped with :func:`tool`.

    .. versionadded:: 0.1
    """

    def __init__(self, tools: Iterable[Tool[Any] | Callable[..., Any]] = ()) -> None:
        """
        Collect tools, wrapping plain functions.

        Args:
            tools: ``Tool`` objects or functions.

        Raises:
            DefinitionError: Two tools share a name, or an item is not a function.
        """
        self._tools: dict[str, Tool[Any]] = {}
        for item in tools:
            made = item if isinstance(item, Tool) else tool(item)
            if made.name in self._tools:
                raise DefinitionError(
                    f"two tools are named {made.name!r}; tool names must be unique"
                )
            self._tools[made.name] = made

    @property
    def names(self) -> tuple[str, ...]:
        """The tool names, in the order given."""
        return tuple(self._tools)

    @property
    def specs(self) -> tuple[ToolSpec, ...]:
        """What the model is told about each tool, in the order given."""
        return tuple(t.spec for t in self._tools.values())

    def __getitem__(self, name: str) -> Tool[Any]:
        """Return the tool called ``name``; ``KeyError`` if there is none."""
        return self._tools[name]

    def __iter__(self) -> Iterator[str]:
        """Iterate over the names."""
        return iter(self._tools)

    def __len__(self) -> int:
        """Return the number of tools."""
        return len(self._tools)

    def __repr__(self) -> str:
        """Return ``Toolbox(['a', 'b'])``."""
        return f"Toolbox({list(self._tools)!r})"


def tool_specs(tools: Iterable[Tool[Any] | Callable[..., Any]]) -> tuple[ToolSpec, ...]:
    """
    Return the specs the model is shown for some tools, wrapping plain functions.

    Args:
        tools: ``Tool`` objects or functions.

    Returns:
        One :class:`~agentcharts.schemas.messages.ToolSpec` per tool, in order.

    Raises:
        DefinitionError: Two tools share a name, or an item cannot be a tool.

    .. versionadded:: 0.1
    """
    return Toolbox(tools).specs


# --------------------------------------------------------------------------- helpers


def _check_name(fn: Callable[..., Any], name: str | None) -> str:
    chosen = fn.__name__ if name is None else name
    if not isinstance(chosen, str) or not _NAME.match(chosen):
        raise InvalidSettingError(
            "name", chosen, "1 to 64 letters, digits, '_' or '-' (pass name= for a lambda)"
        )
    return chosen


def _check_overrides(timeout: Any, retry_policy: Any, idempotent: Any) -> dict[str, Any]:
    given: dict[str, Any] = {}
    if timeout is not NOT_GIVEN:
        positive = isinstance(timeout, int | float) and math.isfinite(timeout) and timeout > 0
        if timeout is not None and (isinstance(timeout, bool) or not positive):
            raise InvalidSettingError("timeout", timeout, "a positive number of seconds or None")
        given["timeout"] = timeout  # kept as given: the timeout result quotes it
    if retry_policy is not NOT_GIVEN:
        if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
            raise InvalidSettingError("retry_policy", retry_policy, "a RetryPolicy, or None")
        given["retry_policy"] = retry_policy
    if idempotent is not NOT_GIVEN:
        if not isinstance(idempotent, bool):
            raise InvalidSettingError("idempotent", idempotent, "True or False")
        given["idempotent"] = idempotent
    return given


def _input_shape(
    fn: Callable[..., Any], tool_name: str, arg_docs: Mapping[str, str], *, context: bool
) -> ObjectShape:
    """Parse the function's parameters into the shape of the tool's input."""
    where = f"tool {tool_name!r} (function {fn.__qualname__})"
    parameters = inspect.signature(fn).parameters
    if context and CONTEXT_PARAMETER not in parameters:
        raise DefinitionError(f"{where}: context=True needs a parameter named tool_context")
    if not context and CONTEXT_PARAMETER in parameters:
        raise DefinitionError(f"{where}: has a tool_context parameter; pass context=True")
    hints = _hints(fn, where, parameters)
    parser = ShapeParser(getattr(inspect.unwrap(fn), "__globals__", {}))
    fields = []
    for p in parameters.values():
        kind = p.kind
        if kind in {p.VAR_POSITIONAL, p.VAR_KEYWORD}:
            star = "*" if kind is p.VAR_POSITIONAL else "**"
            raise DefinitionError(f"{where}: {star}{p.name} is not allowed; name every parameter")
        if kind is p.POSITIONAL_ONLY:
            raise DefinitionError(f"{where}: parameter {p.name!r} is positional-only")
        if p.name == CONTEXT_PARAMETER:
            continue
        if p.name not in hints:
            raise DefinitionError(f"{where}: parameter {p.name!r} has no type hint")
        try:
            shape = parser.parse(hints[p.name])
        except UnsupportedHintError as error:
            raise DefinitionError(f"{where}: parameter {p.name!r}: {error}") from error
        optional = p.default is not MISSING
        fields.append(Field(p.name, shape, p.default, optional, arg_docs.get(p.name)))
    return ObjectShape(tuple(fields))


def _hints(
    fn: Callable[..., Any], where: str, parameters: Mapping[str, inspect.Parameter]
) -> dict[str, Any]:
    """
    Resolve the parameters' type hints, naming the parameter whose hint does not resolve.

    The return hint and the ``tool_context`` hint are not needed, so they may name types
    imported only under ``TYPE_CHECKING``.
    """
    with contextlib.suppress(Exception):
        return typing.get_type_hints(fn, include_extras=True)
    globals_ = getattr(inspect.unwrap(fn), "__globals__", {})
    hints: dict[str, Any] = {}
    for name, p in parameters.items():
        if p.annotation is MISSING or name == CONTEXT_PARAMETER:
            continue
        probe = _Annotations({name: p.annotation}, globals_)
        try:
            hints |= typing.get_type_hints(probe, include_extras=True)
        except Exception as cause:
            msg = f"{where}: the type hint of parameter {name!r} does not resolve: {cause}"
            raise DefinitionError(msg) from cause
    return hints


class _Annotations:
    """Something ``typing.get_type_hints`` reads like a function: annotations and globals."""

    def __init__(self, annotations: dict[str, Any], globals_: dict[str, Any]) -> None:
        self.__annotations__ = annotations
        self.__globals__ = globals_


def _render(shape: ObjectShape) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    schema = render_object(shape, defs)
    if defs:
        schema["$defs"] = defs
    return schema
