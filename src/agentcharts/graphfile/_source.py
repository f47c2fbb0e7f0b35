"""Read a graph file's text into plain data: YAML or JSON, duplicate keys refused."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from agentcharts.exceptions import GraphFileError

if TYPE_CHECKING:
    import pathlib

__all__ = ["YAML_SUFFIXES", "read_document"]

YAML_SUFFIXES = frozenset({".yaml", ".yml"})
"""File name endings read as YAML; ``.json`` is read as JSON."""


class _DuplicateKeyError(ValueError):
    """A mapping holds the same key twice."""


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_json_pairs)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise GraphFileError(name, "", f"invalid JSON at {where}: {error.msg}") from None
    except _DuplicateKeyError as error:
        raise GraphFileError(name, "", f"invalid JSON: {error}") from None


def _parse_yaml(text: str, name: str) -> Any:
    try:
        import yaml  # noqa: PLC0415 - PyYAML is the optional ``yaml`` extra
    except ImportError:
        problem = (
            "reading YAML graph files needs PyYAML; install it with "
            "pip install 'agentcharts[yaml]', or write the graph as JSON"
        )
        raise GraphFileError(name, "", problem) from None

    class StrictLoader(yaml.SafeLoader):
        """The safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(loader: StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in result:
                line = key_node.start_mark.line + 1
                raise _DuplicateKeyError(f"duplicate key {key!r} at line {line}")
            result[key] = loader.construct_object(value_node, deep=True)
        return result

    StrictLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
        construct_mapping,
    )
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "not YAML"
        raise GraphFileError(name, "", f"invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as error:
        raise GraphFileError(name, "", f"invalid YAML: {error}") from None
    except _DuplicateKeyError as error:
        raise GraphFileError(name, "", f"invalid YAML: {error}") from None


def read_document(path: pathlib.Path, name: str) -> Any:
    """
    Read and parse a graph file.

    Args:
        path: The file.
        name: The file as the user named it, for messages.

    Returns:
        The parsed data (not yet checked against the schema).

    Raises:
        GraphFileError: The file is missing, unreadable, of an unknown type, not valid
            YAML or JSON, or holds a key twice in one mapping.
    """
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES and suffix != ".json":
        problem = f"unknown graph file type {suffix or '(none)'!r}; expected .yaml, .yml or .json"
        raise GraphFileError(name, "", problem)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GraphFileError(name, "", "no such file") from None
    except IsADirectoryError:
        raise GraphFileError(name, "", "is a directory, not a graph file") from None
    except UnicodeDecodeError as error:
        raise GraphFileError(name, "", f"is not UTF-8 text: {error.reason}") from None
    except OSError as error:
        raise GraphFileError(name, "", f"cannot be read: {error.strerror}") from None
    if suffix == ".json":
        return _parse_json(text, name)
    return _parse_yaml(text, name)
