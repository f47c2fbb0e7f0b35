"""
The JSON Schema (Draft 2020-12) of the persisted format, generated from the records.

The generator walks the attrs classes the way the converter does: a record is an object
with ``additionalProperties: false`` and its fields without defaults ``required``; enums and
literals list their values; datetimes are ``date-time`` strings; ``Any`` is any JSON value;
the tagged unions of :data:`~agentcharts.schemas.converter.TAGGED_UNIONS` are a ``oneOf``
whose members pin their ``kind`` with ``const``. Field descriptions come from the records'
attribute docstrings.

The package ships the output as ``session.schema.json`` and ``agent.schema.json``; after a
change to the records, regenerate them with::

    python -m agentcharts.schemas.jsonschema --write

.. versionadded:: 0.1
"""

from __future__ import annotations

import argparse
import ast
import enum
import importlib.resources
import inspect
import json
import types
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, Union, get_args, get_origin

import attrs

from agentcharts.exceptions import DefinitionError
from agentcharts.schemas import messages, records, status, trace
from agentcharts.schemas.converter import TAGGED_UNIONS, TaggedUnion, unstructure
from agentcharts.schemas.migrations import CURRENT_VERSION
from agentcharts.schemas.persisted import AGENT_FORMAT, ENTRY_FORMAT, SESSION_FORMAT
from agentcharts.schemas.records import AgentSnapshot, JournalEntry, SessionRecord

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = [
    "AGENT_SCHEMA_ID",
    "DIALECT",
    "ENTRY_SCHEMA_ID",
    "SCHEMA_FILES",
    "SESSION_SCHEMA_ID",
    "agent_schema",
    "entry_schema",
    "main",
    "render_schema",
    "session_schema",
    "shipped_schema",
    "write_schemas",
]

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect of the generated schemas."""

SESSION_SCHEMA_ID: Final = f"https://agentcharts.dev/schemas/session/v{CURRENT_VERSION}.json"
"""The ``$id`` of the session document's schema; its version is the format version."""

AGENT_SCHEMA_ID: Final = f"https://agentcharts.dev/schemas/agent/v{CURRENT_VERSION}.json"
"""The ``$id`` of the agent document's schema."""

ENTRY_SCHEMA_ID: Final = f"https://agentcharts.dev/schemas/entry/v{CURRENT_VERSION}.json"
"""The ``$id`` of the schema of one journal entry."""

_DOCUMENTED_MODULES = (messages, records, status, trace)


def _clean_doc(doc: str | None) -> str:
    """Return a docstring as one Markdown paragraph, without its ``.. versionadded::``."""
    lines = inspect.cleandoc(doc or "").splitlines()
    kept = []
    for line in lines:
        if line.startswith(".. "):
            break
        kept.append(line.strip())
    return " ".join(" ".join(kept).split()).replace("``", "`")


def _attribute_docs() -> dict[str, dict[str, str]]:
    """Read the attribute docstrings of every record class: class name -> field -> text."""
    docs: dict[str, dict[str, str]] = {}
    for module in _DOCUMENTED_MODULES:
        tree = ast.parse(inspect.getsource(module))
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            fields = docs.setdefault(node.name, {})
            for current, following in zip(node.body, node.body[1:], strict=False):
                if (
                    isinstance(current, ast.AnnAssign)
                    and isinstance(current.target, ast.Name)
                    and isinstance(following, ast.Expr)
                    and isinstance(following.value, ast.Constant)
                    and isinstance(following.value.value, str)
                ):
                    fields[current.target.id] = _clean_doc(following.value.value)
    return docs


def _default_of(field: attrs.Attribute[Any]) -> tuple[bool, Any]:
    """Return whether a field has a default, and that default as JSON."""
    default = field.default
    if default is attrs.NOTHING:
        return False, None
    # attrs types Factory as a function in its stubs, but it is a class at run time
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        default = default.factory()  # type: ignore[union-attr]
    return True, unstructure(default, as_type=field.type)


class _Generator:
    """Builds schemas, collecting every named record, enum and tagged union in ``$defs``."""

    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}
        self.docs = _attribute_docs()
        self.tagged = {t.union: t for t in TAGGED_UNIONS}

    def ref(self, name: str) -> dict[str, Any]:
        return {"$ref": f"#/$defs/{name}"}

    def schema(self, t: Any) -> dict[str, Any]:
        """Return the schema of values of type ``t``."""
        supertype = getattr(t, "__supertype__", None)
        if supertype is not None:  # a NewType
            return self.schema(supertype)
        simple = self.simple(t)
        if simple is not None:
            return simple
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return self.enum(t)
        if attrs.has(t):
            return self.record(t)
        if t in self.tagged:
            return self.tagged_union(self.tagged[t])
        return self.generic(t)

    def simple(self, t: Any) -> dict[str, Any] | None:
        """Return the schema of a scalar type, or ``None`` for other types."""
        if t is Any:
            return {}
        if t is datetime:
            return {"type": "string", "format": "date-time"}
        names = {str: "string", bool: "boolean", int: "integer", float: "number"}
        if t is None or t is type(None):
            return {"type": "null"}
        if t in names:
            return {"type": names[t]}
        return None

    def generic(self, t: Any) -> dict[str, Any]:
        """Return the schema of a literal, union, sequence or mapping type."""
        origin, args = get_origin(t), get_args(t)
        if origin is Literal:
            return _enum_schema(list(args))
        if origin in (Union, types.UnionType):
            return {"anyOf": [self.schema(a) for a in args]}
        if origin is list or (origin is tuple and args[-1:] == (Ellipsis,)):
            return {"type": "array", "items": self.schema(args[0])}
        if origin is tuple:
            items = [self.schema(a) for a in args]
            return {"type": "array", "prefixItems": items, "items": False, "minItems": len(items)}
        if origin is dict and args[:1] == (str,):
            return {"type": "object", "additionalProperties": self.schema(args[1])}
        raise DefinitionError(f"the persisted format has no JSON Schema for the type {t!r}")

    def enum(self, t: type[enum.Enum]) -> dict[str, Any]:
        if t.__name__ not in self.defs:
            schema = {"title": t.__name__, "description": _clean_doc(t.__doc__)}
            self.defs[t.__name__] = schema | _enum_schema([m.value for m in t])
        return self.ref(t.__name__)

    def record(self, cl: type) -> dict[str, Any]:
        name = cl.__name__
        if name not in self.defs:
            self.defs[name] = {}  # claimed first: records may refer to themselves
            self.defs[name] = self.object_schema(cl)
        return self.ref(name)

    def object_schema(self, cl: type, tag: tuple[str, str] | None = None) -> dict[str, Any]:
        """Return the inline schema of a record's object, with its tag first if it has one."""
        properties: dict[str, Any] = {}
        required: list[str] = []
        if tag is not None:
            key, value = tag
            properties[key] = {"const": value}
            required.append(key)
        field_docs = self.docs.get(cl.__name__, {})
        for field in attrs.fields(attrs.resolve_types(cl)):
            prop = dict(self.schema(field.type))
            if field.name in field_docs:
                prop["description"] = field_docs[field.name]
            has_default, default = _default_of(field)
            if has_default:
                prop["default"] = default
            else:
                required.append(field.name)
            properties[field.name] = prop
        return {
            "title": cl.__name__,
            "description": _clean_doc(cl.__doc__),
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }

    def tagged_union(self, tagged: TaggedUnion) -> dict[str, Any]:
        if tagged.name not in self.defs:
            members = [
                self.object_schema(cl, (tagged.tag_key, tag)) for cl, tag in tagged.tags.items()
            ]
            self.defs[tagged.name] = {
                "title": tagged.name,
                "description": f"A {tagged.label}, told apart by its {tagged.tag_key} key.",
                "oneOf": members,
            }
        return self.ref(tagged.name)


def _enum_schema(values: Sequence[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"enum": list(values)}
    if all(isinstance(v, str) for v in values):
        schema = {"type": "string", **schema}
    return schema


def _envelope_schema(
    schema_id: str, fmt: str, payload_key: str, record_type: type, title: str
) -> dict[str, Any]:
    generator = _Generator()
    payload = generator.schema(record_type)
    return {
        "$schema": DIALECT,
        "$id": schema_id,
        "title": title,
        "description": (
            f"A persisted {payload_key} of agentcharts, format version {CURRENT_VERSION}."
        ),
        "type": "object",
        "properties": {
            "format": {"const": fmt},
            "version": {"const": CURRENT_VERSION},
            payload_key: payload,
        },
        "required": ["format", "version", payload_key],
        "additionalProperties": False,
        "$defs": dict(sorted(generator.defs.items())),
    }


def session_schema() -> dict[str, Any]:
    """
    Return the JSON Schema of a persisted session document (:func:`dump_session`'s output).

    Returns:
        A Draft 2020-12 schema with ``$id`` :data:`SESSION_SCHEMA_ID`.

    .. versionadded:: 0.1
    """
    return _envelope_schema(
        SESSION_SCHEMA_ID, SESSION_FORMAT, "session", SessionRecord, "agentcharts session"
    )


def agent_schema() -> dict[str, Any]:
    """
    Return the JSON Schema of a persisted agent document (:func:`dump_agent`'s output).

    Returns:
        A Draft 2020-12 schema with ``$id`` :data:`AGENT_SCHEMA_ID`.

    .. versionadded:: 0.1
    """
    return _envelope_schema(
        AGENT_SCHEMA_ID, AGENT_FORMAT, "agent", AgentSnapshot, "agentcharts agent"
    )


def entry_schema() -> dict[str, Any]:
    """
    Return the JSON Schema of one journal entry (:func:`dump_entry`'s output).

    Returns:
        A Draft 2020-12 schema with ``$id`` :data:`ENTRY_SCHEMA_ID`.

    .. versionadded:: 0.2
    """
    return _envelope_schema(
        ENTRY_SCHEMA_ID, ENTRY_FORMAT, "entry", JournalEntry, "agentcharts journal entry"
    )


SCHEMA_FILES: Final[dict[str, Callable[[], dict[str, Any]]]] = {
    "agent.schema.json": agent_schema,
    "entry.schema.json": entry_schema,
    "session.schema.json": session_schema,
}
"""The schema files shipped in :mod:`agentcharts.schemas`, and the function behind each."""


def render_schema(schema: dict[str, Any]) -> str:
    """
    Format a schema the way the shipped files are written.

    Args:
        schema: The schema.

    Returns:
        Indented JSON with a final newline.
    """
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def shipped_schema(filename: str) -> dict[str, Any]:
    """
    Read a schema file shipped in the package.

    Args:
        filename: One of :data:`SCHEMA_FILES` (``"session.schema.json"``).

    Returns:
        The parsed schema.

    .. versionadded:: 0.1
    """
    text = importlib.resources.files("agentcharts.schemas").joinpath(filename).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def write_schemas(directory: Path | None = None) -> list[Path]:
    """
    Write every schema file from the generator.

    Args:
        directory: Where to write; by default this package's directory (a source checkout).

    Returns:
        The paths written.
    """
    target = Path(__file__).parent if directory is None else directory
    written = []
    for filename, build in SCHEMA_FILES.items():
        path = target / filename
        path.write_text(render_schema(build()), encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """
    Print the session schema, or rewrite the shipped schema files with ``--write``.

    Args:
        argv: The command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python -m agentcharts.schemas.jsonschema",
        description="Generate the JSON Schema of the agentcharts persisted format.",
    )
    parser.add_argument(
        "--write", action="store_true", help="write the schema files instead of printing"
    )
    parser.add_argument(
        "--directory",
        type=Path,
        default=None,
        help="where --write puts the files (default: the package's own directory)",
    )
    args = parser.parse_args(argv)
    if args.write:
        for path in write_schemas(args.directory):
            print(f"wrote {path}")  # noqa: T201 - a command-line tool
    else:
        print(render_schema(session_schema()), end="")  # noqa: T201 - a command-line tool
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
