"""The tool of examples/weather.yaml: the seed's weather tool, asking a human for the location."""

from __future__ import annotations

from agentcharts import ToolContext, tool


@tool(name="weather_tool", context=True)
def weather_tool(tool_context: ToolContext) -> str:
    """Report the weather where the human says."""
    response = tool_context.interrupt("weather_approval", reason="need location")
    return f"Weather in {response}: sunny"
