"""Tests for `agentcharts.runtime.tools._tool`."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import pytest

from agentcharts.exceptions import DefinitionError, InvalidSettingError
from agentcharts.runtime.retry import RetryPolicy
from agentcharts.runtime.tools._tool import NOT_GIVEN, Tool, Toolbox, tool, tool_specs
from agentcharts.schemas.messages import ToolSpec


def add(a: int, b: int = 2) -> int:
    """
    Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


async def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


class Weather:
    """A stand-in for the ``ToolContext`` the agent passes."""

    def __init__(self, city: str) -> None:
        self.city = city


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    def greet(self, name: str) -> str:
        """Greet someone."""
        return f"{self.greeting}, {name}"


ADD_SCHEMA = {
    "type": "object",
    "properties": {
        "a": {"type": "integer", "description": "The first number."},
        "b": {"type": "integer", "description": "The second number.", "default": 2},
    },
    "required": ["a"],
    "additionalProperties": False,
}


class TestDecorator:
    def test_bare_decorator(self):
        """``@tool`` without arguments derives name, description and schema."""
        made = tool(add)
        assert isinstance(made, Tool)
        assert "add" == made.name
        assert "Add two numbers." == made.description
        assert ADD_SCHEMA == made.input_schema
        assert add is made.fn
        assert not made.is_async
        assert not made.takes_context

    def test_decorator_with_arguments(self):
        """``@tool(...)`` uses the given name and description."""

        @tool(name="sum-two", description="Sums.")
        def summed(a: int) -> int:
            """Ignored docstring."""
            return a

        assert ("sum-two", "Sums.") == (summed.name, summed.description)
        assert ToolSpec("sum-two", "Sums.", summed.input_schema) == summed.spec

    def test_called_with_a_function_and_options(self):
        """``tool(fn, name=...)`` wraps an existing function directly."""
        assert "plus" == tool(add, name="plus").name

    def test_calling_the_tool_calls_the_function(self):
        """A tool is callable like the function it wraps, positionally or by keyword."""
        made = tool(add)
        assert 3 == made(1)
        assert 5 == made(a=2, b=3)

    @pytest.mark.asyncio
    async def test_async_tool(self):
        """An async function makes an async tool whose call returns a coroutine."""
        made = tool(multiply)
        assert made.is_async
        assert 6.0 == await made(2.0, 3.0)
        assert {"a": 2.0, "b": 3.0} == made.bind({"a": 2, "b": 3})

    def test_bound_method(self):
        """A bound method is a tool without its ``self``."""
        made = tool(Greeter("Hi").greet)
        assert ["name"] == list(made.input_schema["properties"])
        assert "Hi, Ada" == made(**made.bind({"name": "Ada"}))

    def test_keeps_the_function_metadata(self):
        """The tool looks like the function to introspection."""
        made = tool(add)
        assert "add" == made.__name__
        assert inspect.signature(add) == inspect.signature(made)
        assert "<Tool 'add' (sync)>" == repr(made)
        assert "<Tool 'multiply' (async)>" == repr(tool(multiply))

    def test_input_schema_is_a_copy(self):
        """Changing a returned schema does not change the tool."""
        made = tool(add)
        made.input_schema["properties"].clear()
        made.spec.input_schema["required"].append("zzz")
        assert ADD_SCHEMA == made.input_schema

    def test_description_defaults_to_the_name(self):
        """A function without a docstring is described by its name."""

        @tool
        def ping() -> str:
            return "pong"

        assert "ping" == ping.description
        assert {
            "type": "object",
            "properties": {},
            "required": [],
            "additionalProperties": False,
        } == ping.input_schema

    def test_annotated_description_wins_over_the_docstring(self):
        """``Annotated`` text is preferred to the docstring's Args entry."""

        @tool
        def f(x: Annotated[int, "from the hint"]) -> int:
            """
            Do it.

            Args:
                x: From the docstring.
            """
            return x

        assert "from the hint" == f.input_schema["properties"]["x"]["description"]

    def test_keyword_only_parameters(self):
        """Keyword-only parameters are ordinary properties."""

        @tool
        def f(*, x: int, y: str = "a") -> str:
            return y * x

        assert ["x"] == f.input_schema["required"]
        assert "aa" == f(**f.bind({"x": 2}))


class TestContext:
    def test_context_parameter_is_not_in_the_schema(self):
        """``context=True`` leaves tool_context out of the schema and of bind()."""

        @tool(context=True)
        def weather(city: str, tool_context: Weather) -> str:
            return f"{city}: {tool_context.city}"

        assert weather.takes_context
        assert ["city"] == list(weather.input_schema["properties"])
        assert {"city": "Oslo"} == weather.bind({"city": "Oslo"})
        assert "Oslo: Bergen" == weather(city="Oslo", tool_context=Weather("Bergen"))

    def test_context_parameter_needs_no_hint(self):
        """The context parameter may be left unhinted."""

        @tool(context=True)
        def weather(tool_context) -> str:
            return tool_context.city

        assert "Bergen" == weather(tool_context=Weather("Bergen"))

    def test_context_true_without_the_parameter(self):
        """``context=True`` needs a tool_context parameter."""
        with pytest.raises(
            DefinitionError, match="context=True needs a parameter named tool_context"
        ):

            @tool(context=True)
            def weather(city: str) -> str:
                return city

    def test_tool_context_parameter_without_context_true(self):
        """A tool_context parameter without ``context=True`` is a mistake caught early."""
        with pytest.raises(DefinitionError, match="pass context=True"):

            @tool
            def weather(city: str, tool_context: Any) -> str:
                return city

    def test_context_and_return_hints_may_be_type_checking_only(self):
        """Hints that name TYPE_CHECKING-only types are fine where no schema needs them."""
        source = (
            "from __future__ import annotations\n"
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n"
            "    from somewhere import Context, Report\n"
            "def report(city: str, tool_context: Context) -> Report:\n"
            "    return city\n"
        )
        namespace: dict[str, Any] = {}
        exec(source, namespace)  # noqa: S102 - builds a test function
        made = tool(namespace["report"], context=True)
        assert {"city": {"type": "string"}} == made.input_schema["properties"]

    def test_tool_context_key_in_the_input_is_refused(self):
        """The model cannot supply the context itself."""

        @tool(context=True)
        def weather(city: str, tool_context: Any) -> str:
            return city

        from agentcharts.exceptions import ToolInputError

        with pytest.raises(ToolInputError, match="at tool_context: unexpected key"):
            weather.bind({"city": "Oslo", "tool_context": {}})


class TestOverrides:
    def test_retry_policy_none_is_an_override(self):
        """``retry_policy=None`` turns retries off for this tool."""
        assert {"retry_policy": None} == tool(add, retry_policy=None).overrides()

    def test_nothing_given(self):
        """Without options there are no overrides and the attributes hold their defaults."""
        made = tool(add)
        assert {} == made.overrides()
        assert (None, None, False) == (made.timeout, made.retry_policy, made.idempotent)

    def test_explicit_none_timeout_is_an_override(self):
        """``timeout=None`` is given (no timeout), unlike leaving it out."""
        made = tool(add, timeout=None)
        assert {"timeout": None} == made.overrides()
        assert made.timeout is None

    def test_every_override(self):
        """All given options are returned, and only those."""
        policy = RetryPolicy(max_attempts=2)
        made = tool(add, timeout=2, retry_policy=policy, idempotent=True)
        assert {"timeout": 2.0, "retry_policy": policy, "idempotent": True} == made.overrides()
        assert (2.0, policy, True) == (made.timeout, made.retry_policy, made.idempotent)

    def test_overrides_is_a_copy(self):
        """Changing the returned dict does not change the tool."""
        made = tool(add, idempotent=False)
        made.overrides()["timeout"] = 1
        assert {"idempotent": False} == made.overrides()

    def test_not_given_repr(self):
        """The sentinel shows as NOT_GIVEN."""
        assert "NOT_GIVEN" == repr(NOT_GIVEN)

    @pytest.mark.parametrize(
        ("options", "setting"),
        [
            ({"timeout": 0}, "timeout"),
            ({"timeout": -1.5}, "timeout"),
            ({"timeout": float("inf")}, "timeout"),
            ({"timeout": True}, "timeout"),
            ({"timeout": "5"}, "timeout"),
            ({"idempotent": 1}, "idempotent"),
            ({"retry_policy": {"max_attempts": 2}}, "retry_policy"),
            ({"context": "yes"}, "context"),
            ({"description": 3}, "description"),
            ({"name": "has space"}, "name"),
            ({"name": ""}, "name"),
            ({"name": "x" * 65}, "name"),
        ],
    )
    def test_invalid_options(self, options, setting):
        """Invalid options are InvalidSettingError naming the option."""
        with pytest.raises(InvalidSettingError) as info:
            tool(add, **options)
        assert setting == info.value.setting


class TestDefinitionErrors:
    def test_missing_hint_names_function_and_parameter(self):
        """A parameter without a type hint is refused by name."""
        with pytest.raises(DefinitionError) as info:

            @tool
            def f(a: int, b) -> int:
                return a

        assert (
            "tool 'f' (function TestDefinitionErrors.test_missing_hint_names_function_and_parameter.<locals>.f): parameter 'b' has no type hint"
            == str(info.value)
        )

    @pytest.mark.parametrize(
        ("source", "fragment"),
        [
            ("def f(*args: int) -> None: ...", "*args is not allowed"),
            ("def f(**kwargs: int) -> None: ...", "**kwargs is not allowed"),
            ("def f(a: int, /) -> None: ...", "parameter 'a' is positional-only"),
            ("def f() -> Iterator[int]:\n    yield 1", "is a generator"),
            ("async def f() -> AsyncIterator[int]:\n    yield 1", "is a generator"),
            ("def f(a: Missing) -> None: ...", "the type hint of parameter 'a' does not resolve"),
        ],
    )
    def test_refused_functions(self, source, fragment):
        """Functions that cannot be tools are refused with a message naming the problem."""
        namespace: dict[str, Any] = {}
        exec(f"from __future__ import annotations\n{source}", namespace)  # noqa: S102 - builds test functions
        with pytest.raises(DefinitionError, match="f") as info:
            tool(namespace["f"])
        assert fragment in str(info.value)

    @pytest.mark.parametrize("thing", [print, len, "add", 3, Greeter])
    def test_not_a_function(self, thing):
        """Only functions and methods can be tools."""
        with pytest.raises(DefinitionError, match="must be a function or a method"):
            tool(thing)

    def test_lambda_needs_a_name(self):
        """A lambda's name is not a valid tool name, so it must be given."""
        with pytest.raises(InvalidSettingError, match="pass name= for a lambda"):
            tool(lambda: None)
        assert "noop" == tool(lambda: None, name="noop").name

    def test_a_tool_is_not_wrapped_twice(self):
        """Wrapping a tool again is refused."""
        with pytest.raises(DefinitionError, match="already a tool"):
            tool(tool(add))


class TestToolbox:
    def test_maps_names_to_tools_and_wraps_functions(self):
        """Tools and plain functions are collected by name, in order."""
        made = tool(multiply)
        box = Toolbox([add, made])
        assert ("add", "multiply") == box.names
        assert made is box["multiply"]
        assert isinstance(box["add"], Tool)
        assert 2 == len(box)
        assert ["add", "multiply"] == list(box)
        assert "add" in box
        assert box.get("nope") is None
        assert "Toolbox(['add', 'multiply'])" == repr(box)

    def test_specs(self):
        """The specs list every tool's name, description and schema."""
        box = Toolbox([add])
        assert (ToolSpec("add", "Add two numbers.", ADD_SCHEMA),) == box.specs

    def test_duplicate_names(self):
        """Two tools with one name are refused."""
        with pytest.raises(DefinitionError, match="two tools are named 'add'"):
            Toolbox([add, tool(multiply, name="add")])

    def test_refuses_what_is_not_a_function(self):
        """An item that is neither a tool nor a function is a DefinitionError."""
        with pytest.raises(DefinitionError, match="must be a function or a method"):
            Toolbox([add, "multiply"])

    def test_empty(self):
        """An empty toolbox has no names and no specs."""
        assert ((), ()) == (Toolbox().names, Toolbox().specs)

    def test_tool_specs(self):
        """tool_specs wraps functions and returns one spec per tool."""
        specs = tool_specs([add, multiply])
        assert ["add", "multiply"] == [s.name for s in specs]
        assert "Multiply two numbers." == specs[1].description
