"""Tests for `agentcharts.cli._progress`: progress lines from stream events."""

from __future__ import annotations

import asyncio
import io

from agentcharts import Agent, GraphBuilder, ScriptedModel, tool
from agentcharts.cli._console import Console
from agentcharts.cli._progress import Progress, short_text
from agentcharts.runtime.events import GraphFinished


@tool
def lookup(city: str) -> dict:
    """Look a city up."""
    return {"city": city, "rain": False}


def nested_graph():
    agent = Agent(
        name="inner_agent",
        model=ScriptedModel(
            [[{"name": "lookup", "input": {"city": "Oslo"}}], "Dry in Oslo.\nMore."]
        ),
        tools=[lookup],
    )
    inner = GraphBuilder().add_node(agent, "inner").build()
    return GraphBuilder().add_node(inner, "outer").add_node(lambda s: "x" * 150, "long").build()


class TestProgress:
    def test_lines_for_nested_graphs_and_tools(self):
        """Nested nodes print their path; tool results print on one line, long text is cut."""
        out = io.StringIO()
        progress = Progress(Console(out, io.StringIO()))

        async def run():
            async for event in nested_graph().stream_async("go"):
                if not isinstance(event, GraphFinished):
                    progress.event(event)

        asyncio.run(run())
        lines = out.getvalue().splitlines()
        assert "[outer] executing" == lines[0]
        assert "[outer/inner] executing" in lines
        assert "[outer/inner] tool lookup running" in lines
        assert '[outer/inner] tool lookup succeeded: {"city": "Oslo", "rain": false}' in lines
        assert "[outer/inner] completed: Dry in Oslo. ..." in lines
        assert f"[long] completed: {'x' * 97}..." in lines

    def test_short_text(self):
        """Values show as one line: text's first line, or JSON, cut to the width."""
        assert "a ..." == short_text("a\nb")
        assert "[1, 2]" == short_text([1, 2])
        assert "abcd..." == short_text("abcdefgh", width=7)
        assert "{1}" == short_text({1})
