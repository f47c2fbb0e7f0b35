"""Turn a parsed graph file into a runnable Graph: import, make models and agents, wire."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

from agentcharts.exceptions import DefinitionError, GraphFileError
from agentcharts.graphfile.imports import ImportPathError, add_search_path, import_object
from agentcharts.graphfile.timeouts import with_tool_timeout
from agentcharts.runtime.agent._agent import Agent
from agentcharts.runtime.concurrency._registry import ConcurrencyRegistry
from agentcharts.runtime.graph import GraphBuilder
from agentcharts.runtime.hooks import HookProvider
from agentcharts.runtime.models import OpenAICompatibleModel, ScriptedModel
from agentcharts.runtime.tools._config import ToolConfig
from agentcharts.runtime.tools._tool import Tool, tool

if TYPE_CHECKING:
    from agentcharts.graphfile._specs import AgentSpec, GraphSpec, ModelSpec
    from agentcharts.runtime.graph import Graph
    from agentcharts.runtime.models import Model
    from agentcharts.runtime.sessions import SessionStore

__all__ = ["build_graph"]


class _Builder:
    """Builds one graph from one file; caches models, tools and hooks per definition."""

    def __init__(self, spec: GraphSpec, tool_timeout: float | None) -> None:
        self.spec = spec
        self.tool_timeout = tool_timeout
        self.models: dict[str, Model] = {}
        self.tools: dict[str, list[Tool[Any]]] = {}

    def fail(self, path: str, problem: str) -> GraphFileError:
        return GraphFileError(self.spec.source, path, problem)

    def load(self, import_path: str, path: str) -> Any:
        try:
            return import_object(import_path)
        except ImportPathError as error:
            raise self.fail(path, str(error)) from None

    def model(self, spec: ModelSpec) -> Model:
        if spec.path in self.models:
            return self.models[spec.path]
        settings = spec.settings
        try:
            if spec.kind == "scripted":
                made: Model = ScriptedModel(settings["turns"])
            else:
                made = self._remote(spec)
        except GraphFileError:
            raise
        except DefinitionError as error:
            raise self.fail(spec.path, str(error)) from None
        self.models[spec.path] = made
        return made

    def _remote(self, spec: ModelSpec) -> Model:
        settings = spec.settings
        api_key = None
        variable = settings.get("api_key_env")
        if variable is not None:
            api_key = os.environ.get(variable)
            if not api_key:
                raise self.fail(
                    f"{spec.path}.api_key_env", f"environment variable {variable!r} is not set"
                )
        options = {
            k: settings[k]
            for k in ("base_url", "timeout", "temperature", "max_tokens")
            if k in settings
        }
        return OpenAICompatibleModel(settings["model"], api_key=api_key, **options)

    def agent_tools(self, agent: AgentSpec) -> list[Tool[Any]]:
        if agent.name in self.tools:
            return self.tools[agent.name]
        timeout = self.tool_timeout if self.tool_timeout is not None else agent.tool_timeout
        made: list[Tool[Any]] = []
        for index, import_path in enumerate(agent.tools):
            path = f"agents.{agent.name}.tools[{index}]"
            target = self.load(import_path, path)
            if not isinstance(target, Tool) and not callable(target):
                raise self.fail(path, f"{import_path!r} is not a function or a tool")
            try:
                made_tool = target if isinstance(target, Tool) else tool(target)
                if timeout is not None:
                    made_tool = with_tool_timeout(made_tool, timeout)
            except DefinitionError as error:
                raise self.fail(path, str(error)) from None
            made.append(made_tool)
        self.tools[agent.name] = made
        return made

    def hooks(self, agent: AgentSpec) -> list[HookProvider]:
        providers: list[HookProvider] = []
        for index, import_path in enumerate(agent.hooks):
            path = f"agents.{agent.name}.hooks[{index}]"
            target = self.load(import_path, path)
            provider = target() if isinstance(target, type) else target
            if not isinstance(provider, HookProvider):
                problem = (
                    f"{import_path!r} is not a hook provider "
                    "(a class or object with a register_hooks(registry) method)"
                )
                raise self.fail(path, problem)
            providers.append(provider)
        return providers

    def agent(self, agent: AgentSpec) -> Agent:
        config = ToolConfig(parallel=agent.parallel_tool_calls, retry_policy=agent.retry_policy)
        try:
            return Agent(
                name=agent.name,
                model=self.model(agent.model),
                tools=self.agent_tools(agent),
                system_prompt=agent.system_prompt,
                hooks=self.hooks(agent),
                tool_config=config,
                max_turns=agent.max_turns,
            )
        except GraphFileError:
            raise
        except DefinitionError as error:
            raise self.fail(f"agents.{agent.name}", str(error)) from None

    def function(self, node_id: str, import_path: str) -> Any:
        path = f"nodes.{node_id}.function"
        target = self.load(import_path, path)
        if not callable(target) or isinstance(target, type):
            raise self.fail(path, f"{import_path!r} is not a function")
        # a fresh callable per node: a graph refuses one executor object for two nodes
        return functools.partial(target)

    def limits(self, builder: GraphBuilder) -> None:
        limits = self.spec.limits
        if limits.max_node_executions is not None:
            builder.set_max_node_executions(limits.max_node_executions)
        if limits.execution_timeout is not None:
            builder.set_execution_timeout(limits.execution_timeout)
        if limits.node_timeout is not None:
            builder.set_node_timeout(limits.node_timeout)
        if limits.concurrency:
            registry = ConcurrencyRegistry()
            for name, limit in limits.concurrency.items():
                registry.set_limit(name, limit)
            builder.set_concurrency(registry)

    def graph(self, store: SessionStore | None, session_id: str | None) -> Graph:
        spec = self.spec
        builder = GraphBuilder().set_graph_id(spec.graph_id)
        for node in spec.nodes.values():
            if node.agent is not None:
                builder.add_node(self.agent(spec.agents[node.agent]), node.node_id)
            else:
                builder.add_node(self.function(node.node_id, node.function or ""), node.node_id)
        for edge in spec.edges:
            builder.add_edge(edge.source, edge.target, edge.condition)
        for entry in spec.entry_points:
            builder.set_entry_point(entry)
        self.limits(builder)
        builder.set_interrupt_mode(spec.interrupt_mode)
        builder.reset_on_revisit(spec.reset_on_revisit)
        if store is not None and session_id is not None:
            builder.set_session(store, session_id)
        return builder.build()


def build_graph(
    spec: GraphSpec,
    *,
    store: SessionStore | None,
    session_id: str | None,
    tool_timeout: float | None,
) -> Graph:
    """
    Build the graph a parsed file describes (see ``GraphFile.build``).

    Args:
        spec: The parsed file.
        store: The session store, if any.
        session_id: The session id, if any.
        tool_timeout: Seconds per tool attempt overriding every agent's ``tool_timeout``.

    Returns:
        The graph.

    Raises:
        GraphFileError: Something the file names cannot be imported or made.
    """
    add_search_path(spec.path.parent)
    return _Builder(spec, tool_timeout).graph(store, session_id)
