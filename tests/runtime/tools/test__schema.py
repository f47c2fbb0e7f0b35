"""Tests for `agentcharts.runtime.tools._schema`."""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import typing
from typing import Annotated, Any, Literal, NewType, Optional

import attr
import attrs
import jsonschema
import pytest

from agentcharts.exceptions import DefinitionError
from agentcharts.runtime.tools import tool
from agentcharts.runtime.tools._schema import json_default, parse_docstring

_NO_DEFAULT = object()


def schema_of(hint: Any, default: Any = _NO_DEFAULT) -> dict[str, Any]:
    """Return the input schema of a tool with one parameter ``x`` hinted ``hint``."""

    def fn(x):  # the hint is set below, so any object can be a hint
        return x

    fn.__annotations__ = {"x": hint}
    if default is not _NO_DEFAULT:
        fn.__defaults__ = (default,)
    made = tool(fn)
    jsonschema.Draft202012Validator.check_schema(made.input_schema)
    return made.input_schema


def property_of(hint: Any, default: Any = _NO_DEFAULT) -> dict[str, Any]:
    """Return the schema of the one property ``x``."""
    return schema_of(hint, default)["properties"]["x"]


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Ratio(enum.Enum):
    HALF = 0.5
    THIRD = 0.33


class Opaque(enum.Enum):
    A = object()


UserId = NewType("UserId", str)


@dataclasses.dataclass
class Point:
    """
    A point on the plane.

    Attributes:
        x: Horizontal position.
    """

    x: float
    y: float = 0.0
    label: Annotated[str, "what to call it"] = "p"
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Bare:
    n: int


@attrs.define
class TreeNode:
    """A node of a tree."""

    value: int
    children: list[TreeNode] = attrs.Factory(list)
    _secret: str = attrs.field(default="s", metadata={"description": "A private field."})
    computed: int = attrs.field(init=False, default=0)


@attrs.frozen
class Segment:
    start: Point
    end: Point


@attr.s
class Legacy:
    value = attr.ib()


@dataclasses.dataclass
class Broken:
    value: complex


@dataclasses.dataclass
class Unhinted:
    value: Undefined  # type: ignore[name-defined]  # noqa: F821 - never resolves, on purpose


class Outer:
    @dataclasses.dataclass
    class Point:
        z: int


POINT_DEF = {
    "type": "object",
    "description": "A point on the plane.",
    "properties": {
        "x": {"type": "number", "description": "Horizontal position."},
        "y": {"type": "number", "default": 0.0},
        "label": {"type": "string", "description": "what to call it", "default": "p"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["x"],
    "additionalProperties": False,
}


class TestScalars:
    @pytest.mark.parametrize(
        ("hint", "expected"),
        [
            (str, {"type": "string"}),
            (int, {"type": "integer"}),
            (float, {"type": "number"}),
            (bool, {"type": "boolean"}),
            (None, {"type": "null"}),
            (type(None), {"type": "null"}),
            (Any, {}),
            (UserId, {"type": "string"}),
        ],
    )
    def test_scalar_hint(self, hint, expected):
        """Each scalar hint maps to its JSON type."""
        assert expected == property_of(hint)

    def test_whole_schema_shape(self):
        """The input schema is a closed object with properties and required keys."""
        expected = {
            "type": "object",
            "properties": {"x": {"type": "integer"}},
            "required": ["x"],
            "additionalProperties": False,
        }
        assert expected == schema_of(int)

    def test_default_is_emitted_and_not_required(self):
        """A parameter with a default is optional and shows its default."""
        schema = schema_of(int, 3)
        assert {"type": "integer", "default": 3} == schema["properties"]["x"]
        assert [] == schema["required"]


class TestOptionalAndUnion:
    def test_optional_with_default(self):
        """``X | None = None`` is anyOf with null, not required, default null."""
        schema = schema_of(int | None, None)
        expected = {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None}
        assert expected == schema["properties"]["x"]
        assert [] == schema["required"]

    def test_optional_without_default_is_required(self):
        """``Optional[X]`` without a default must be given (it may be null)."""
        schema = schema_of(Optional[str])  # noqa: UP045 - the old spelling is tested on purpose
        assert {"anyOf": [{"type": "string"}, {"type": "null"}]} == schema["properties"]["x"]
        assert ["x"] == schema["required"]

    def test_union_of_several(self):
        """A union lists every option in order."""
        expected = {"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "boolean"}]}
        assert expected == property_of(int | str | bool)


class TestContainers:
    @pytest.mark.parametrize(
        ("hint", "expected"),
        [
            (list[int], {"type": "array", "items": {"type": "integer"}}),
            (typing.List[str], {"type": "array", "items": {"type": "string"}}),  # noqa: UP006
            (list, {"type": "array"}),
            (collections.abc.Sequence[int], {"type": "array", "items": {"type": "integer"}}),
            (typing.Sequence[float], {"type": "array", "items": {"type": "number"}}),
            (tuple[int, ...], {"type": "array", "items": {"type": "integer"}}),
            (tuple, {"type": "array"}),
            (set[str], {"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
            (frozenset[int], {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}),
            (
                collections.abc.Set[int],
                {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
            ),
            (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
            (
                collections.abc.Mapping[str, bool],
                {"type": "object", "additionalProperties": {"type": "boolean"}},
            ),
            (dict, {"type": "object"}),
            (dict[str, Any], {"type": "object"}),
            (
                list[list[int]],
                {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
            ),
        ],
    )
    def test_container_hint(self, hint, expected):
        """Each container hint maps to an array or object schema."""
        assert expected == property_of(hint)

    def test_fixed_tuple(self):
        """A fixed tuple uses prefixItems with matching minItems and maxItems."""
        expected = {
            "type": "array",
            "prefixItems": [{"type": "integer"}, {"type": "string"}],
            "minItems": 2,
            "maxItems": 2,
        }
        assert expected == property_of(tuple[int, str])

    def test_empty_tuple(self):
        """``tuple[()]`` is an empty array."""
        assert {"type": "array", "maxItems": 0} == property_of(tuple[()])

    def test_tuple_default_is_a_json_array(self):
        """A tuple default is shown as an array."""
        assert [1, "a"] == property_of(tuple[int, str], (1, "a"))["default"]


class TestLiteralsAndEnums:
    def test_string_literal(self):
        """A literal of strings is a string enum."""
        assert {"type": "string", "enum": ["a", "b"]} == property_of(Literal["a", "b"])

    def test_mixed_literal_lists_every_type(self):
        """A literal of mixed values lists every JSON type once, in order."""
        expected = {"type": ["string", "integer", "boolean", "null"], "enum": ["a", 1, True, None]}
        assert expected == property_of(Literal["a", 1, True, None])  # noqa: PYI061 - None inside on purpose

    def test_literal_of_enum_member(self):
        """An enum member in a literal stands for its value."""
        assert {"type": "string", "enum": ["red"]} == property_of(Literal[Color.RED])

    def test_enum(self):
        """An enum is an enum of its values; its default is the member's value."""
        expected = {"type": "string", "enum": ["red", "green"], "default": "green"}
        assert expected == property_of(Color, Color.GREEN)

    def test_float_enum(self):
        """An enum of floats is a number enum."""
        assert {"type": "number", "enum": [0.5, 0.33]} == property_of(Ratio)

    def test_int_enum(self):
        """An IntEnum is an integer enum."""
        assert {"type": "integer", "enum": [1, 2]} == property_of(Level)


class TestAnnotated:
    def test_string_metadata_becomes_the_description(self):
        """``Annotated[X, "text"]`` describes the property."""
        expected = {"type": "integer", "description": "how many"}
        assert expected == property_of(Annotated[int, "how many"])

    def test_other_metadata_is_ignored(self):
        """Non-string metadata does not change the schema."""
        assert {"type": "integer"} == property_of(Annotated[int, 3, object()])

    def test_nested_annotation_describes_the_items(self):
        """An annotation inside a container describes the items."""
        expected = {"type": "array", "items": {"type": "string", "description": "a name"}}
        assert expected == property_of(list[Annotated[str, "a name"]])


class TestClasses:
    def test_dataclass_goes_to_defs(self):
        """A dataclass is referenced from the property and defined once under $defs."""
        schema = schema_of(Point)
        assert {"$ref": "#/$defs/Point"} == schema["properties"]["x"]
        assert {"Point": POINT_DEF} == schema["$defs"]

    def test_repeated_class_is_defined_once(self):
        """A class used twice is defined once."""
        schema = schema_of(Segment)
        expected_segment = {
            "type": "object",
            "properties": {
                "start": {"$ref": "#/$defs/Point"},
                "end": {"$ref": "#/$defs/Point"},
            },
            "required": ["start", "end"],
            "additionalProperties": False,
        }
        assert {"Segment": expected_segment, "Point": POINT_DEF} == schema["$defs"]

    def test_recursive_attrs_class(self):
        """A class that refers to itself uses its own $ref; init=False fields are left out."""
        schema = schema_of(TreeNode)
        expected = {
            "type": "object",
            "description": "A node of a tree.",
            "properties": {
                "value": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/TreeNode"}},
                "secret": {
                    "type": "string",
                    "description": "A private field.",
                    "default": "s",
                },
            },
            "required": ["value"],
            "additionalProperties": False,
        }
        assert {"TreeNode": expected} == schema["$defs"]

    def test_dataclass_without_docstring_has_no_description(self):
        """The signature dataclasses write as a docstring is not shown as a description."""
        assert "description" not in schema_of(Bare)["$defs"]["Bare"]

    def test_same_name_classes_get_distinct_defs(self):
        """Two classes named alike get distinct $defs keys."""
        schema = schema_of(tuple[Point, Outer.Point])
        expected = [{"$ref": "#/$defs/Point"}, {"$ref": "#/$defs/Point2"}]
        assert expected == schema["properties"]["x"]["prefixItems"]
        assert ["Point", "Point2"] == list(schema["$defs"])

    def test_optional_class_with_description(self):
        """A described optional class keeps the $ref next to the description."""
        expected = {
            "anyOf": [{"$ref": "#/$defs/Bare"}, {"type": "null"}],
            "description": "maybe",
            "default": None,
        }
        assert expected == property_of(Annotated[Bare | None, "maybe"], None)

    def test_class_default_is_shown_as_an_object(self):
        """A class instance default is shown as its JSON object."""
        expected = {"x": 1.0, "y": 2.0, "label": "p", "tags": []}
        assert expected == property_of(Point, Point(1.0, 2.0))["default"]


class TestNamespaces:
    def test_class_made_by_exec_resolves_in_the_tools_namespace(self):
        """A class whose module is not importable resolves its hints in the tool's globals."""
        source = (
            "from __future__ import annotations\n"
            "from typing import Annotated\n"
            "import attrs\n"
            "from agentcharts.runtime.tools._tool import tool\n"
            "@attrs.define\n"
            "class Cell:\n"
            "    value: Annotated[int, 'v']\n"
            "    next: Cell | None = None\n"
            "@tool\n"
            "def walk(cell: Cell) -> int:\n"
            "    return cell.value\n"
        )
        namespace: dict[str, Any] = {"__name__": "not_an_importable_module"}
        exec(source, namespace)  # noqa: S102 - builds a class outside any module on purpose
        walk = namespace["walk"]
        expected = {
            "type": "object",
            "properties": {
                "value": {"type": "integer", "description": "v"},
                "next": {"anyOf": [{"$ref": "#/$defs/Cell"}, {"type": "null"}], "default": None},
            },
            "required": ["value"],
            "additionalProperties": False,
        }
        assert {"Cell": expected} == walk.input_schema["$defs"]
        assert 1 == walk(**walk.bind({"cell": {"value": 1, "next": {"value": 2}}}))


class TestUnsupported:
    @pytest.mark.parametrize(
        ("hint", "fragment"),
        [
            (complex, "complex has no JSON Schema form"),
            (bytes, "bytes has no JSON Schema form"),
            (dict[int, str], "key type must be str"),
            (list[complex], "complex has no JSON Schema form"),
            (Literal[b"x"], "is not a JSON string, number, boolean or null"),
            (Opaque, "enum Opaque: value"),
            (Broken, "field Broken.value: complex has no JSON Schema form"),
            (Unhinted, "cannot resolve the type hints of class Unhinted"),
            (Legacy, "field Legacy.value has no type hint"),
            (typing.TypeVar("T"), "~T is not a type"),
            ([int], "[<class 'int'>] is not a type"),
        ],
    )
    def test_unsupported_hint_names_the_parameter(self, hint, fragment):
        """An unsupported hint is a DefinitionError naming the tool, function and parameter."""
        with pytest.raises(DefinitionError, match="parameter 'x'") as info:
            schema_of(hint)
        assert "tool 'fn' (function " in str(info.value)
        assert fragment in str(info.value)


class TestDefaults:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (None, None),
            (1.5, 1.5),
            ({"a": (1, 2)}, {"a": [1, 2]}),
            ({"b", "a"}, ["a", "b"]),
            (Level.HIGH, 2),
        ],
    )
    def test_json_default(self, value, expected):
        """Defaults are converted to their JSON form."""
        assert expected == json_default(value)

    @pytest.mark.parametrize("value", [object(), float("nan"), {1: "a"}, [b"x"]])
    def test_default_without_json_form_is_left_out(self, value):
        """A default with no JSON form is not shown, and the parameter stays optional."""
        schema = schema_of(Any, value)
        assert {} == schema["properties"]["x"]
        assert [] == schema["required"]


class TestDocstrings:
    def test_google_docstring(self):
        """The description stops at the first section; Args entries join their lines."""
        doc = """
        Look up the weather.

        Uses the cached forecast when it is fresh.

        Args:
            city (str): The city,
                as the user wrote it.
            days: How many days
              ahead.
            *extra: Ignored.

        Returns:
            The forecast.

        Raises:
            KeyError: Never.
        """
        parsed = parse_docstring(doc)
        assert (
            "Look up the weather.\n\nUses the cached forecast when it is fresh."
            == parsed.description
        )
        assert {
            "city": "The city, as the user wrote it.",
            "days": "How many days ahead.",
            "extra": "Ignored.",
        } == parsed.args

    def test_stray_line_in_args_is_ignored(self):
        """A line at entry indentation that is no ``name: text`` entry is skipped."""
        parsed = parse_docstring("Do it.\n\nArgs:\n    a: First.\n    stray words\n        more.\n")
        assert {"a": "First."} == parsed.args

    def test_attributes_section(self):
        """An Attributes section is read like Args."""
        parsed = parse_docstring("A class.\n\nAttributes:\n    a: First.\n    b: Second.\n")
        assert {"a": "First.", "b": "Second."} == parsed.attributes
        assert {} == parsed.args

    def test_no_docstring(self):
        """No docstring gives an empty description."""
        parsed = parse_docstring(None)
        assert ("", {}, {}) == (parsed.description, parsed.args, parsed.attributes)

    def test_unknown_heading_stays_in_the_description(self):
        """A line ending with a colon that is no known section is description text."""
        assert "Do it.\nSteps:\n  one" == parse_docstring("Do it.\nSteps:\n  one").description


class TestMetaSchema:
    def test_rich_tool_schema_is_valid_draft_2020_12(self):
        """A tool using every hint kind has a valid Draft 2020-12 schema."""

        @tool
        def everything(
            *,
            a: str,
            b: int | None,
            c: list[Point],
            d: dict[str, TreeNode],
            e: tuple[int, str],
            f: set[str],
            g: Literal["x", 2],
            h: Color,
            i: Annotated[Segment, "a segment"],
            j: Any = None,
            k: tuple[()] = (),
        ) -> None:
            """Do everything."""

        validator = jsonschema.Draft202012Validator(everything.input_schema)
        validator.check_schema(everything.input_schema)
        instance = {
            "a": "s",
            "b": None,
            "c": [{"x": 1, "y": 2.5}],
            "d": {"root": {"value": 1, "children": [{"value": 2}]}},
            "e": [1, "one"],
            "f": ["p", "q"],
            "g": 2,
            "h": "red",
            "i": {"start": {"x": 0}, "end": {"x": 1}},
            "k": [],
        }
        assert [] == list(validator.iter_errors(instance))
        everything.bind(instance)
