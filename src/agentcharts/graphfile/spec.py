"""
A graph file, parsed and cross-checked: every reference resolved, nothing imported yet.

:func:`parse_graph_file` turns a document that passed the JSON Schema into a
:class:`GraphFile`; it checks what the schema cannot (an edge to an unknown node, an agent
naming an unknown model, a retry policy whose delays disagree). Importing tools and reading
API keys waits for :meth:`GraphFile.build`, so a file can be inspected and drawn without
them.

.. versionadded:: 0.1
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from attrs import frozen

from agentcharts.exceptions import GraphFileError, InvalidSettingError
from agentcharts.graphfile._build import build_graph
from agentcharts.graphfile._specs import (
    AgentSpec,
    EdgeSpec,
    GraphSpec,
    LimitsSpec,
    ModelSpec,
    NodeSpec,
)
from agentcharts.graphfile.conditions import ConditionError, compile_condition
from agentcharts.runtime.retry import RetryPolicy

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterable

    from agentcharts.runtime.graph import Graph
    from agentcharts.runtime.graph.diagram import GraphTopology
    from agentcharts.runtime.sessions import SessionStore

__all__ = [
    "AgentSpec",
    "EdgeSpec",
    "GraphFile",
    "LimitsSpec",
    "ModelSpec",
    "NodeSpec",
    "parse_graph_file",
]


@frozen
class GraphFile(GraphSpec):
    """
    A parsed graph file; :meth:`build` makes the runnable ``Graph``.

    .. versionadded:: 0.1
    """

    def build(
        self,
        *,
        store: SessionStore | None = None,
        session_id: str | None = None,
        tool_timeout: float | None = None,
    ) -> Graph:
        """
        Import the tools and hooks, make the models and agents, and build the graph.

        Args:
            store: Where to persist the run; with ``session_id``, a fresh process that
                builds the same file with the same store and id resumes the run.
            session_id: The session's id (needs ``store``).
            tool_timeout: Seconds per tool attempt for every agent, overriding the file's
                ``tool_timeout`` (the ``--tool-timeout`` option).

        Returns:
            The graph.

        Raises:
            GraphFileError: A tool, hook or function cannot be imported or is not what it
                should be, an API key's environment variable is not set, or a model
                cannot be made.
            InvalidSessionIdError: The session id breaks the id rule.
        """
        return build_graph(self, store=store, session_id=session_id, tool_timeout=tool_timeout)

    def topology(self) -> GraphTopology:
        """The graph's shape for diagrams, without importing anything."""
        from agentcharts.runtime.graph.diagram import (  # noqa: PLC0415 - keep import light
            GraphTopology,
            TopologyEdge,
            TopologyNode,
        )

        nodes = tuple(
            TopologyNode(
                n.node_id,
                "agent" if n.agent else "function",
                n.agent or n.function or "",
            )
            for n in self.nodes.values()
        )
        edges = tuple(
            TopologyEdge(e.source, e.target, e.condition.description if e.condition else "")
            for e in self.edges
        )
        return GraphTopology(self.graph_id, nodes, edges, self.entry_ids())


# --------------------------------------------------------------------------- parsing


class _Parser:
    """Turns a schema-valid document into a :class:`GraphFile`, checking references."""

    def __init__(self, document: dict[str, Any], source: str) -> None:
        self.document = document
        self.source = source

    def fail(self, path: str, problem: str) -> GraphFileError:
        return GraphFileError(self.source, path, problem)

    def unknown(self, path: str, kind: str, name: str, known: Iterable[str]) -> GraphFileError:
        names = list(known)
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else "known: " + (", ".join(names) or "none")
        return self.fail(path, f"unknown {kind} {name!r} ({hint})")

    def model(self, data: dict[str, Any], path: str) -> ModelSpec:
        settings = {k: v for k, v in data.items() if k != "type"}
        return ModelSpec(data["type"], settings, path)

    def agent(self, name: str, data: dict[str, Any], models: dict[str, ModelSpec]) -> AgentSpec:
        path = f"agents.{name}"
        model_name: str | None = None
        if isinstance(data["model"], str):
            model_name = data["model"]
            if model_name not in models:
                raise self.unknown(f"{path}.model", "model", model_name, models)
            model = models[model_name]
        else:
            model = self.model(data["model"], f"{path}.model")
        policy = None
        if "retry_policy" in data:
            try:
                policy = RetryPolicy.from_dict(data["retry_policy"])
            except InvalidSettingError as error:
                raise self.fail(f"{path}.retry_policy", str(error)) from None
        return AgentSpec(
            name=name,
            model=model,
            model_name=model_name,
            system_prompt=data.get("system_prompt"),
            tools=tuple(data.get("tools", ())),
            hooks=tuple(data.get("hooks", ())),
            tool_timeout=data.get("tool_timeout"),
            retry_policy=policy,
            parallel_tool_calls=data.get("parallel_tool_calls", True),
            max_turns=data.get("max_turns", 32),
        )

    def edge(self, index: int, data: dict[str, Any], nodes: dict[str, NodeSpec]) -> EdgeSpec:
        path = f"edges[{index}]"
        for end in ("from", "to"):
            if data[end] not in nodes:
                raise self.unknown(f"{path}.{end}", "node", data[end], nodes)
        condition = None
        if "when" in data:
            try:
                condition = compile_condition(
                    data["when"], source=data["from"], path=f"{path}.when"
                )
            except ConditionError as error:
                raise self.fail(error.path, error.problem) from None
            for node_id in sorted(condition.node_ids()):
                if node_id not in nodes:
                    raise self.unknown(f"{path}.when", "node", node_id, nodes)
        return EdgeSpec(data["from"], data["to"], condition)

    def limits(self, data: dict[str, Any], agents: dict[str, AgentSpec]) -> LimitsSpec:
        concurrency = dict(data.get("concurrency", {}))
        for name in concurrency:
            if name not in agents:
                raise self.unknown("limits.concurrency", "agent", name, agents)
        return LimitsSpec(
            max_node_executions=data.get("max_node_executions"),
            execution_timeout=data.get("execution_timeout"),
            node_timeout=data.get("node_timeout"),
            concurrency=concurrency,
        )

    def parse(self, path: pathlib.Path) -> GraphFile:
        doc = self.document
        models = {n: self.model(m, f"models.{n}") for n, m in doc.get("models", {}).items()}
        agents = {n: self.agent(n, a, models) for n, a in doc.get("agents", {}).items()}
        nodes: dict[str, NodeSpec] = {}
        for node_id, data in doc["nodes"].items():
            if "agent" in data and data["agent"] not in agents:
                raise self.unknown(f"nodes.{node_id}.agent", "agent", data["agent"], agents)
            nodes[node_id] = NodeSpec(
                node_id, data.get("agent"), data.get("function"), data.get("description")
            )
        edges = tuple(self.edge(i, e, nodes) for i, e in enumerate(doc.get("edges", ())))
        entry_points = tuple(dict.fromkeys(doc.get("entry_points", ())))
        for index, entry in enumerate(entry_points):
            if entry not in nodes:
                raise self.unknown(f"entry_points[{index}]", "node", entry, nodes)
        if not entry_points and all(n in {e.target for e in edges} for n in nodes):
            problem = "no entry point: every node has an incoming edge; list entry_points"
            raise self.fail("entry_points", problem)
        return GraphFile(
            path=path,
            source=self.source,
            graph_id=doc.get("name", "graph"),
            nodes=nodes,
            agents=agents,
            edges=edges,
            entry_points=entry_points,
            task=doc.get("task"),
            description=doc.get("description"),
            interrupt_mode=doc.get("interrupt_mode", "barrier"),
            reset_on_revisit=doc.get("reset_on_revisit", False),
            limits=self.limits(doc.get("limits", {}), agents),
        )


def parse_graph_file(document: dict[str, Any], path: pathlib.Path, source: str) -> GraphFile:
    """
    Build a :class:`GraphFile` from a document that passed the graph file schema.

    Args:
        document: The parsed, schema-valid document.
        path: The file.
        source: The file as the user named it, for messages.

    Returns:
        The graph file.

    Raises:
        GraphFileError: A reference does not resolve (an unknown node, agent or model), a
            retry policy is inconsistent, a regular expression does not compile, or no node
            can be an entry point.
    """
    return _Parser(document, source).parse(path.resolve())
