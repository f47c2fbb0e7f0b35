"""Interrupt and resume: agentcharts against LangGraph, in memory and with SQLite.

The same work on both sides: one agent node whose model asks for a tool that asks a human
(an interrupt); the human's answer resumes it, the tool returns, and the model answers.

- agentcharts: an ``Agent`` with a ``ScriptedModel`` and a tool calling
  ``tool_context.interrupt``, the only node of a graph with no session store. Resuming runs
  only the interrupted tool call, then the model once.
- LangGraph: one node calling a chat model written here against ``BaseChatModel`` (it asks
  for the tool until a tool result is in the conversation, then says ``"done"``), then the
  tool, which calls ``langgraph.types.interrupt``; compiled with ``InMemorySaver``, the
  checkpointer LangGraph needs for interrupts. Resuming (``Command(resume=...)``) runs the
  node again from its start, as LangGraph does.

Two settings: in memory (ours with no store, LangGraph with ``InMemorySaver``) and on a
SQLite file (ours with ``SQLiteSessionStore``, durability ``"sync"``; LangGraph with
``AsyncSqliteSaver`` from ``langgraph-checkpoint-sqlite``, the saver ``ainvoke`` needs).

Each graph is built once and warmed; every round runs each framework ``INNER`` times in an
order that rotates, each time a new run (a new task for ours, a new thread id for
LangGraph), timing invoke → interrupted and resume → completed separately. No
``gc.collect()`` between runs. Figures are medians; ratios are medians of per-round ratios.

Usage: ``python benchmarks/bench_interrupts.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import pathlib
import tempfile
import time
from typing import Any

from _common import median, print_table, ratio, rotate, save_results, scale_reps

from agentcharts import (
    Agent,
    GraphBuilder,
    ScriptedModel,
    SQLiteSessionStore,
    Status,
    ToolContext,
    tool,
)

ROUNDS = 9
INNER = 20


def ours(directory: pathlib.Path | None) -> Any:
    @tool(context=True)
    def approve(tool_context: ToolContext) -> str:
        """Ask a human for approval."""
        return f"approved: {tool_context.interrupt('approval', reason='go?')}"

    model = ScriptedModel([[{"name": "approve", "input": {}}], "done"])
    graph = GraphBuilder().add_node(Agent(name="agent", model=model, tools=[approve]), "agent")
    if directory is not None:
        graph.set_session(SQLiteSessionStore(directory / "ours.db"), "bench")
    built = graph.build()

    async def to_interrupt() -> Any:
        result = await built.invoke_async("task")
        assert result.status is Status.INTERRUPTED, result.error
        return result.interrupts[0].id

    async def resume(interrupt_id: Any) -> None:
        answer = [{"interruptResponse": {"interruptId": interrupt_id, "response": "yes"}}]
        result = await built.invoke_async(answer)
        assert result.status is Status.COMPLETED, result.error

    return to_interrupt, resume


async def langgraph(directory: pathlib.Path | None, stack: contextlib.AsyncExitStack) -> Any:
    from typing import TypedDict  # noqa: PLC0415 - the peer is imported only here

    from langchain_core.language_models.chat_models import BaseChatModel  # noqa: PLC0415
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage  # noqa: PLC0415
    from langchain_core.outputs import ChatGeneration, ChatResult  # noqa: PLC0415
    from langgraph.checkpoint.memory import InMemorySaver  # noqa: PLC0415
    from langgraph.graph import END, START, StateGraph  # noqa: PLC0415
    from langgraph.types import Command, interrupt  # noqa: PLC0415

    class Scripted(BaseChatModel):
        """Asks for the tool until a tool result is in the conversation, then answers."""

        @property
        def _llm_type(self) -> str:
            return "scripted"

        def _generate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> ChatResult:
            del stop, run_manager, kwargs
            if isinstance(messages[-1], ToolMessage):
                reply = AIMessage(content="done")
            else:
                call = {"name": "approve", "args": {}, "id": "t1", "type": "tool_call"}
                reply = AIMessage(content="", tool_calls=[call])
            return ChatResult(generations=[ChatGeneration(message=reply)])

        async def _agenerate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
        ) -> ChatResult:
            return self._generate(messages, stop, run_manager, **kwargs)

    model = Scripted()

    class State(TypedDict):
        answer: str

    async def agent(state: State) -> dict[str, str]:
        del state
        messages: list[Any] = [HumanMessage("task")]
        asked = await model.ainvoke(messages)
        messages.append(asked)
        for call in asked.tool_calls:
            response = interrupt({"name": "approval", "reason": "go?"})
            messages.append(ToolMessage(f"approved: {response}", tool_call_id=call["id"]))
        reply = await model.ainvoke(messages)
        return {"answer": str(reply.content)}

    graph = StateGraph(State)
    graph.add_node("agent", agent)
    graph.add_edge(START, "agent")
    graph.add_edge("agent", END)
    if directory is None:
        saver: Any = InMemorySaver()
    else:
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver  # noqa: PLC0415

        path = str(directory / "langgraph.db")
        saver = await stack.enter_async_context(AsyncSqliteSaver.from_conn_string(path))
    app = graph.compile(checkpointer=saver)
    threads = itertools.count()

    async def to_interrupt() -> Any:
        config = {"configurable": {"thread_id": f"t{next(threads)}"}}
        state = await app.ainvoke({"answer": ""}, config=config)  # type: ignore[arg-type]
        assert "__interrupt__" in state, state
        return config

    async def resume(config: Any) -> None:
        state = await app.ainvoke(Command(resume="yes"), config=config)
        assert state["answer"] == "done", state

    return to_interrupt, resume


async def measure(directory: pathlib.Path | None) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        return await _measure(directory, stack)


async def _measure(
    directory: pathlib.Path | None, stack: contextlib.AsyncExitStack
) -> dict[str, Any]:
    contenders = {"agentcharts": ours(directory)}
    missing = {}
    try:
        contenders["langgraph"] = await langgraph(directory, stack)
    except ImportError as error:
        missing["langgraph"] = f"not importable here ({error.name}); run benchmarks/run_all.sh"
    for to_interrupt, resume in contenders.values():  # warm up
        for _ in range(3):
            await resume(await to_interrupt())
    phases = ("interrupt_ms", "resume_ms")
    samples = {name: {p: [] for p in phases} for name in contenders}
    per_round = {name: {p: [] for p in phases} for name in contenders}
    for rep in range(scale_reps(ROUNDS)):
        for name in rotate(list(contenders), rep):
            to_interrupt, resume = contenders[name]
            times: dict[str, list[float]] = {p: [] for p in phases}
            for _ in range(INNER):
                started = time.perf_counter()
                handle = await to_interrupt()
                middle = time.perf_counter()
                await resume(handle)
                times["interrupt_ms"].append((middle - started) * 1e3)
                times["resume_ms"].append((time.perf_counter() - middle) * 1e3)
            for phase in phases:
                samples[name][phase].extend(times[phase])
                per_round[name][phase].append(median(times[phase]))
    figures = {name: {p: median(v) for p, v in by.items()} for name, by in samples.items()}
    ratios = {}
    if "langgraph" in contenders:
        ratios = {p: ratio(per_round["agentcharts"][p], per_round["langgraph"][p]) for p in phases}
    return {"figures": figures, "ratios": ratios, "missing": missing, "samples": samples}


def main() -> None:
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for setting, directory in (("memory", None), ("sqlite", pathlib.Path(folder))):
            found[setting] = asyncio.run(measure(directory))
    for setting, peer_name in (("memory", "InMemorySaver"), ("sqlite", "AsyncSqliteSaver")):
        figures, ratios = found[setting]["figures"], found[setting]["ratios"]
        rows = []
        for phase, label in (
            ("interrupt_ms", "invoke → INTERRUPTED"),
            ("resume_ms", "resume → COMPLETED"),
        ):
            ours_ms = figures["agentcharts"][phase]
            peer = figures.get("langgraph", {}).get(phase, float("nan"))
            share = ratios.get(phase)
            rows.append([label, ours_ms, peer, "n/a" if share is None else f"{share:.2f}x"])
        ours_label = "no store" if setting == "memory" else "SQLiteSessionStore"
        print_table(
            f"Interrupt and resume, {setting} (median ms; ratio = median of per-round ratios)",
            [
                "phase",
                f"agentcharts ({ours_label}) ms",
                f"langgraph {peer_name} ms",
                "ours/langgraph",
            ],
            rows,
        )
        for name, why in found[setting]["missing"].items():
            print(f"{name}: {why}")
    path = save_results("interrupts", found)
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()
