"""Tools, a hook and a function node for examples/research.yaml."""

from __future__ import annotations

from agentcharts import BeforeToolCallEvent, GraphState, HookRegistry, tool


@tool
def search_web(query: str) -> str:
    """Search the web."""
    return f"3 results for {query!r}"


@tool
def download_paper(title: str) -> str:
    """Download a paper (a human approves it first)."""
    return f"downloaded {title!r} (12 pages)"


@tool
def latest_news(topic: str) -> str:
    """Read the latest news on a topic."""
    return f"2 articles about {topic}"


class ApproveDownloads:
    """Ask a human before every download; anything but "yes" cancels it."""

    def register_hooks(self, registry: HookRegistry) -> None:
        """Check each tool call before it runs."""
        registry.add(BeforeToolCallEvent, self.check)

    def check(self, event: BeforeToolCallEvent) -> None:
        """Interrupt for approval; cancel the call unless the answer is yes."""
        if event.tool_use.name != "download_paper":
            return
        answer = event.interrupt("approve_download", reason={"download": event.tool_use.input})
        if str(answer).strip().lower() not in {"yes", "y", "true"}:
            event.cancel_tool = "the human did not approve the download"


def publish(state: GraphState) -> str:
    """Publish the writer's report (here: count its characters)."""
    report = state.inputs.get("writer", "")
    return f"published the report ({len(report)} characters)"
