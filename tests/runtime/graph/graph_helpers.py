"""Agents, tools and clocks shared by the graph tests."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from agentcharts import Agent, BeforeToolCallEvent, ScriptedModel, ToolContext, tool


class Clock:
    """Advances one second per reading, from a fixed instant."""

    def __init__(self):
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


class Calls:
    """Counts calls by name, thread-safely."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def hit(self, name):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + 1

    def __getitem__(self, name):
        return self.counts.get(name, 0)


def weather_agent(name="weather", calls=None, interrupt_name="weather_approval"):
    """An agent whose tool asks a human for the location, as in the seed's example."""
    calls = calls if calls is not None else Calls()

    @tool(name="weather_tool", context=True)
    def weather_tool(tool_context: ToolContext) -> str:
        """Report the weather where the human says."""
        calls.hit(f"{name}.tool")
        response = tool_context.interrupt(interrupt_name, reason="need location")
        return f"Weather in {response}: sunny"

    model = ScriptedModel([[{"name": "weather_tool", "input": {}}], f"{name} done"])
    return Agent(name=name, model=model, tools=[weather_tool])


def plain_agent(name, text=None, calls=None):
    """An agent that answers at once (and counts its invocations through a tool)."""
    calls = calls if calls is not None else Calls()

    @tool
    def note() -> str:
        """Record that the agent ran."""
        calls.hit(name)
        return "noted"

    model = ScriptedModel([[{"name": "note", "input": {}}], text or f"{name} done"] * 4)
    return Agent(name=name, model=model, tools=[note])


class ApproveLookups:
    """A before-tool-call hook asking a human before each call; 'no' cancels it."""

    def register_hooks(self, registry):
        registry.add(BeforeToolCallEvent, self.check)

    def check(self, event):
        if event.interrupt("approve", reason=event.tool_use.name) != "yes":
            event.cancel_tool = "rejected by the human"


def respond(*pairs):
    return [{"interruptResponse": {"interruptId": i, "response": r}} for i, r in pairs]


class ReadTogether:
    """A store whose readers wait at a barrier after loading: every racer reads one version."""

    def __init__(self, store, parties=2):
        self.store = store
        self.barrier = threading.Barrier(parties)

    def __getattr__(self, name):
        return getattr(self.store, name)

    def load(self, session_id):
        stored = self.store.load(session_id)
        self.barrier.wait(timeout=10)
        return stored


def race(invoke, count=2):
    """Call ``invoke`` in ``count`` threads at once; return each result's status or conflict."""
    from agentcharts.exceptions import SessionConflictError

    outcomes = []

    def one():
        try:
            outcomes.append(invoke().status)
        except SessionConflictError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
