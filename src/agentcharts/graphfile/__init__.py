"""
Declarative graph files: a graph of agents written in YAML or JSON.

:func:`load_graph_file` reads a file, checks it against the shipped JSON Schema
(``graph-file.schema.json``, see :func:`graph_file_schema`) and resolves its references;
:meth:`GraphFile.build` then imports the tools and makes the runnable
:class:`~agentcharts.Graph`. Every problem is a
:class:`~agentcharts.exceptions.GraphFileError` naming the file, the key path and what was
expected. YAML needs PyYAML (``pip install 'agentcharts[yaml]'``); JSON needs nothing.

.. versionadded:: 0.1
"""

from __future__ import annotations

import copy
import functools
import json
import os
import pathlib
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from agentcharts.exceptions import GraphFileError
from agentcharts.graphfile._source import read_document
from agentcharts.graphfile._validate import SchemaChecker
from agentcharts.graphfile.conditions import Condition, compile_condition
from agentcharts.graphfile.spec import (
    AgentSpec,
    EdgeSpec,
    GraphFile,
    LimitsSpec,
    ModelSpec,
    NodeSpec,
    parse_graph_file,
)
from agentcharts.graphfile.timeouts import timeout_payload, with_tool_timeout

if TYPE_CHECKING:
    from agentcharts.runtime.graph import Graph
    from agentcharts.runtime.sessions import SessionStore

__all__ = [
    "SCHEMA_FILE",
    "AgentSpec",
    "Condition",
    "EdgeSpec",
    "GraphFile",
    "LimitsSpec",
    "ModelSpec",
    "NodeSpec",
    "check_graph_document",
    "compile_condition",
    "graph_file_schema",
    "load_graph",
    "load_graph_file",
    "timeout_payload",
    "with_tool_timeout",
]

SCHEMA_FILE: Final = "graph-file.schema.json"
"""The name of the schema file shipped in this package."""


@functools.cache
def _schema() -> dict[str, Any]:
    text = resources.files(__name__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def graph_file_schema() -> dict[str, Any]:
    """
    Return the JSON Schema (Draft 2020-12) of graph files, as shipped with the package.

    Returns:
        A fresh copy of the schema.
    """
    return copy.deepcopy(_schema())


def check_graph_document(document: Any, source: str = "<graph>") -> GraphFile:
    """
    Check already-parsed graph file data and resolve its references.

    Args:
        document: The data, as YAML or JSON would give it.
        source: A name for the data in error messages.

    Returns:
        The parsed graph file (its ``path`` is the current directory's ``<source>``).

    Raises:
        GraphFileError: The data does not fit the schema, or a reference does not resolve.
    """
    problems = SchemaChecker(_schema()).check(document)
    if problems:
        path, problem = problems[0]
        raise GraphFileError(source, path, problem)
    return parse_graph_file(document, pathlib.Path(source), source)


def load_graph_file(path: str | os.PathLike[str]) -> GraphFile:
    """
    Read a graph file (``.yaml``, ``.yml`` or ``.json``), check it, and resolve it.

    Nothing is imported and no environment variable is read yet: that happens in
    :meth:`GraphFile.build`.

    Args:
        path: The file.

    Returns:
        The parsed graph file.

    Raises:
        GraphFileError: The file is missing or unreadable, is not valid YAML or JSON,
            breaks the schema (an unknown key, a wrong type, a missing key), or names an
            unknown node, agent or model.
    """
    name = os.fspath(path)
    file = pathlib.Path(name)
    document = read_document(file, name)
    problems = SchemaChecker(_schema()).check(document)
    if problems:
        key_path, problem = problems[0]
        raise GraphFileError(name, key_path, problem)
    return parse_graph_file(document, file, name)


def load_graph(
    path: str | os.PathLike[str],
    *,
    store: SessionStore | None = None,
    session_id: str | None = None,
    tool_timeout: float | None = None,
) -> Graph:
    """
    Load a graph file and build its graph in one step.

    Args:
        path: The file.
        store: Where to persist runs (with ``session_id``).
        session_id: The session's id.
        tool_timeout: Seconds per tool attempt for every agent, overriding the file.

    Returns:
        The graph.

    Raises:
        GraphFileError: The file is invalid, or something it names cannot be imported or
            made.
    """
    return load_graph_file(path).build(
        store=store, session_id=session_id, tool_timeout=tool_timeout
    )
