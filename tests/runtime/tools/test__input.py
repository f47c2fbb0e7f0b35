"""Tests for `agentcharts.runtime.tools._input` (through ``Tool.bind``)."""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import Annotated, Any, Literal

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentcharts.exceptions import ToolError, ToolInputError
from agentcharts.runtime.tools import Tool, tool
from agentcharts.runtime.tools._input import AnyShape, describe
from agentcharts.runtime.tools._schema import json_default


class Size(enum.Enum):
    SMALL = "s"
    LARGE = "l"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Item:
    name: str
    qty: int = 1
    size: Size = Size.SMALL


@attrs.frozen
class Box:
    label: str
    items: tuple[Item, ...] = ()
    _code: str = "x"


@attrs.define
class Checked:
    n: int = attrs.field(validator=attrs.validators.ge(0))


@attrs.define
class Node:
    value: int
    next: Node | None = None


def one(hint: Any, value: Any) -> Any:
    """Bind ``{"x": value}`` to a tool with one parameter ``x`` hinted ``hint``; return x."""

    def fn(x):  # the hint is set below
        return x

    fn.__annotations__ = {"x": hint}
    return tool(fn).bind({"x": value})["x"]


def problems_of(hint: Any, value: Any) -> tuple[tuple[str, str], ...]:
    """Return the problems ToolInputError lists for ``{"x": value}``."""
    with pytest.raises(ToolInputError) as info:
        one(hint, value)
    return info.value.problems


@tool
def order(
    *,
    items: list[Item],
    box: Box | None = None,
    mode: Literal["fast", "slow"] = "fast",
    pair: tuple[int, str] = (0, ""),
    tags: set[str] = frozenset(),
    weights: dict[str, float] | None = None,
    note: Annotated[str, "for the courier"] = "",
) -> int:
    """Place an order."""
    return len(items)


class TestBindSuccess:
    @pytest.mark.parametrize(
        ("hint", "value", "expected"),
        [
            (str, "a", "a"),
            (int, 3, 3),
            (int, 3.0, 3),
            (float, 2, 2.0),
            (float, 2.5, 2.5),
            (bool, False, False),
            (None, None, None),
            (Any, {"k": [1]}, {"k": [1]}),
            (int | None, None, None),
            (int | str, "7", "7"),
            (list[int], [1, 2], [1, 2]),
            (tuple[int, ...], [1, 2], (1, 2)),
            (tuple[int, str], [1, "a"], (1, "a")),
            (tuple[()], [], ()),
            (set[str], ["a", "b"], {"a", "b"}),
            (frozenset[int], [1], frozenset({1})),
            (dict[str, int], {"a": 1}, {"a": 1}),
            (dict, {"a": [None]}, {"a": [None]}),
            (Literal["a", 1], 1, 1),
            (Literal[1, True], True, True),
            (Literal[Size.LARGE], "l", Size.LARGE),
            (Size, "s", Size.SMALL),
            (Level, 2, Level.HIGH),
            (Annotated[int, "n"], 4, 4),
        ],
    )
    def test_value_is_built_as_hinted(self, hint, value, expected):
        """A valid value is built into the hinted Python type."""
        built = one(hint, value)
        assert expected == built
        assert type(expected) is type(built)

    def test_nested_classes_are_built(self):
        """Nested attrs classes and dataclasses become instances, with aliases and defaults."""
        built = one(Box, {"label": "b", "items": [{"name": "n", "size": "l"}], "code": "c"})
        assert Box("b", (Item("n", 1, Size.LARGE),), "c") == built

    def test_recursive_class(self):
        """A recursive class is built to any depth."""
        assert Node(1, Node(2, Node(3))) == one(
            Node, {"value": 1, "next": {"value": 2, "next": {"value": 3}}}
        )

    def test_defaults_are_filled(self):
        """Missing optional parameters get their defaults."""
        expected = {
            "items": [Item("a")],
            "box": None,
            "mode": "fast",
            "pair": (0, ""),
            "tags": frozenset(),
            "weights": None,
            "note": "",
        }
        assert expected == order.bind({"items": [{"name": "a"}]})

    def test_bound_arguments_call_the_function(self):
        """The result of bind() is what the function is called with."""
        assert 2 == order(**order.bind({"items": [{"name": "a"}, {"name": "b"}]}))

    def test_a_tuple_passes_for_an_array(self):
        """Python callers may pass tuples where JSON has arrays."""
        assert [1, 2] == one(list[int], (1, 2))


class TestBindFailures:
    @pytest.mark.parametrize(
        ("hint", "value", "problem"),
        [
            (str, 3, "expected a string, got integer 3"),
            (int, True, "expected an integer, got boolean true"),
            (int, 1.5, "expected an integer, got number 1.5"),
            (int, "1", 'expected an integer, got string "1"'),
            (float, False, "expected a number, got boolean false"),
            (
                float,
                10**400,
                "expected a number, got integer 1000000000000000000000000000000000000...",
            ),
            (bool, 0, "expected a boolean, got integer 0"),
            (None, 0, "expected null, got integer 0"),
            (int | None, "a", 'expected an integer or null, got string "a"'),
            (list[int], {"a": 1}, "expected an array, got object"),
            (list[int], "ab", 'expected an array, got string "ab"'),
            (tuple[int, str], [1], "expected 2 items, got 1"),
            (set[str], ["a", "a"], "the items must be unique, got duplicates"),
            (set[Any], [[1]], "the items cannot be put in a set (they are not hashable)"),
            (dict[str, int], [1], "expected an object, got array"),
            (Literal["a", "b"], "c", 'expected one of "a", "b", got string "c"'),
            (Literal[1], True, "expected one of 1, got boolean true"),
            (Size, "m", 'expected one of "s", "l", got string "m"'),
            (Item, "n", 'expected an object, got string "n"'),
            (Item | None, [], "expected an object or null, got array"),
            (Checked, {"n": -1}, "cannot build Checked: 'n' must be >= 0: -1"),
            (
                int,
                "x" * 100,
                'expected an integer, got string "' + "x" * 36 + "...",
            ),
            (str, object, "expected a string, got type"),
        ],
    )
    def test_value_problem_at_the_parameter(self, hint, value, problem):
        """A value of the wrong kind is one problem at the parameter's path."""
        assert (("x", problem),) == problems_of(hint, value)

    @pytest.mark.parametrize(
        ("hint", "value", "expected"),
        [
            (
                list[int],
                [1, "2", 3, None],
                [
                    ("x[1]", 'expected an integer, got string "2"'),
                    ("x[3]", "expected an integer, got null"),
                ],
            ),
            (dict[str, int], {"a b": "1"}, [('x["a b"]', 'expected an integer, got string "1"')]),
            (dict[str, int], {1: 1}, [("x", "object keys must be strings, got integer 1")]),
            (tuple[int, str], [1, 2], [("x[1]", "expected a string, got integer 2")]),
            (Item, {"qty": 1}, [("x.name", "missing required key: expected a string")]),
            (
                Item,
                {"name": "a", "colour": 1},
                [("x.colour", "unexpected key (allowed keys: name, qty, size)")],
            ),
            (Item | None, {"name": 5}, [("x.name", "expected a string, got integer 5")]),
            (
                Box,
                {"label": "b", "items": [{"name": "a"}, {"name": "b", "size": "xl"}]},
                [("x.items[1].size", 'expected one of "s", "l", got string "xl"')],
            ),
            (
                Node,
                {"value": 1, "next": {"value": "2"}},
                [("x.next.value", 'expected an integer, got string "2"')],
            ),
        ],
    )
    def test_nested_problems_have_paths(self, hint, value, expected):
        """Problems inside arrays and objects name their path."""
        assert tuple(expected) == problems_of(hint, value)

    def test_missing_described_parameter(self):
        """A missing annotated parameter says what the inner type expects."""

        @tool
        def f(x: Annotated[int, "how many"]) -> int:
            return x

        with pytest.raises(ToolInputError) as info:
            f.bind({})
        assert (("x", "missing required key: expected an integer"),) == info.value.problems

    def test_described_container_in_a_union_reports_its_items(self):
        """An annotated array inside an optional still reports the bad item's path."""
        assert (("x[0]", 'expected an integer, got string "a"'),) == problems_of(
            Annotated[list[int], "n"] | None, ["a"]
        )

    def test_describe_any(self):
        """Any is described as any value."""
        assert "any value" == describe(AnyShape())

    def test_every_problem_is_collected(self):
        """Unknown keys, missing keys and wrong values are all reported, in order."""
        with pytest.raises(ToolInputError) as info:
            order.bind({"itemz": [], "mode": "medium", "pair": [1, 2, 3]})
        assert (
            ("itemz", "unexpected key (allowed keys: items, box, mode, pair, tags, weights, note)"),
            ("items", "missing required key: expected an array"),
            ("mode", 'expected one of "fast", "slow", got string "medium"'),
            ("pair", "expected 2 items, got 3"),
        ) == info.value.problems

    def test_message_names_the_first_problem_and_counts_the_rest(self):
        """The message is what the model will read in its error tool result."""
        with pytest.raises(ToolInputError) as info:
            order.bind({"items": [{"name": "a"}, {"name": 2}], "mode": "x", "note": 1})
        error = info.value
        assert (
            "tool 'order': invalid input at items[1].name: expected a string, got integer 2 (and 2 more problems)"
            == str(error)
        )
        assert ("order", "items[1].name") == (error.tool_name, error.path)
        assert isinstance(error, ToolError)
        assert isinstance(error, ValueError)

    def test_one_more_problem_is_singular(self):
        """Two problems read "(and 1 more problem)"."""
        with pytest.raises(ToolInputError, match=r"\(and 1 more problem\)$"):
            order.bind({"items": [], "mode": 1, "note": 1})

    @pytest.mark.parametrize(
        ("value", "kind"), [(None, "null"), ([], "array"), ("{}", 'string "{}"')]
    )
    def test_input_must_be_an_object(self, value, kind):
        """Anything but an object is one problem at the root, with no path."""
        with pytest.raises(ToolInputError) as info:
            order.bind(value)
        assert (("", f"expected an object, got {kind}"),) == info.value.problems
        assert f"tool 'order': invalid input: expected an object, got {kind}" == str(info.value)

    def test_empty_problems_still_read_well(self):
        """An error built without problems has a plain message."""
        assert "tool 't': invalid input: invalid" == str(ToolInputError("t", []))


# --------------------------------------------------------------------------- properties

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)

HINTS: list[Any] = [
    str,
    int,
    float,
    bool,
    None,
    Any,
    int | None,
    float | str,
    list[int],
    tuple[int, ...],
    tuple[int, str],
    set[str],
    dict[str, int],
    Literal["a", 1, True, None],  # noqa: PYI061 - None inside on purpose
    Size,
    Level,
    Item,
    list[Item] | None,
    Node,
]


def single(hint: Any) -> Tool[Any]:
    def fn(x):
        return x

    fn.__annotations__ = {"x": hint}
    return tool(fn)


TOOLS = [single(h) for h in HINTS]
VALIDATORS = {id(made): jsonschema.Draft202012Validator(made.input_schema) for made in TOOLS}
ORDER_VALIDATOR = jsonschema.Draft202012Validator(order.input_schema)


class TestProperties:
    @settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(TOOLS), json_values)
    def test_bind_accepts_exactly_what_the_schema_accepts(self, made, value):
        """For any JSON value, bind() succeeds exactly when the JSON Schema validates it."""
        schema_ok = VALIDATORS[id(made)].is_valid({"x": value})
        try:
            made.bind({"x": value})
        except ToolInputError:
            bind_ok = False
        else:
            bind_ok = True
        assert schema_ok == bind_ok

    @settings(max_examples=200)
    @given(
        st.fixed_dictionaries(
            {
                "items": st.lists(
                    st.fixed_dictionaries(
                        {"name": st.text(max_size=5)},
                        optional={"qty": st.integers(-5, 5), "size": st.sampled_from(["s", "l"])},
                    ),
                    max_size=3,
                )
            },
            optional={
                "box": st.none()
                | st.fixed_dictionaries(
                    {"label": st.text(max_size=3)}, optional={"code": st.text(max_size=3)}
                ),
                "mode": st.sampled_from(["fast", "slow"]),
                "pair": st.tuples(st.integers(), st.text(max_size=3)).map(list),
                "tags": st.lists(st.text(max_size=3), unique=True, max_size=4),
                "weights": st.none()
                | st.dictionaries(
                    st.text(max_size=3),
                    st.floats(allow_nan=False, allow_infinity=False),
                    max_size=3,
                ),
                "note": st.text(max_size=5),
            },
        )
    )
    def test_valid_input_round_trips(self, data):
        """Valid input binds, and the built values turn back into the same JSON."""
        assert ORDER_VALIDATOR.is_valid(data)
        kwargs = order.bind(data)
        back = {key: json_default(value) for key, value in kwargs.items()}
        expected = {
            key: json_default(prop.get("default"))
            for key, prop in order.input_schema["properties"].items()
        }
        expected |= data
        expected["items"] = [{"qty": 1, "size": "s", **item} for item in data["items"]]
        if expected["box"] is not None:
            expected["box"] = {"items": [], "code": "x", **expected["box"]}
        expected["tags"] = sorted(expected["tags"], key=json.dumps)
        assert expected == back
