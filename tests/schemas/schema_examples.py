"""
A realistic, deterministic session for the persisted-format tests.

A two-node trip planner: ``research`` completed, ``weather`` interrupted at its
``book_table`` call, waiting for a human to approve the booking, after a forecast call that
succeeded on its second attempt. The golden file ``fixtures/session_v1.json`` was written
once from this record; the golden-file test checks that it still loads to it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentcharts.schemas import (
    AgentSnapshot,
    GraphSnapshot,
    InterruptRecord,
    InterruptStatus,
    Message,
    NodeOutput,
    NodeSnapshot,
    SessionRecord,
    Status,
    TextBlock,
    Timings,
    ToolCallRecord,
    ToolCallStatus,
    ToolResultBlock,
    ToolUseBlock,
    TransitionRecord,
    Usage,
)

__all__ = ["START", "booking_interrupt", "weather_agent", "weather_session"]

START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
"""When the example run started."""


def _at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def booking_interrupt() -> InterruptRecord:
    """The pending interrupt raised by the ``book_table`` tool."""
    return InterruptRecord(
        id="weather:tu-2:booking_approval",
        name="booking_approval",
        reason={"message": "Book Maaemo for 2 at 19:30?", "cost_nok": 2400, "refundable": False},
        status=InterruptStatus.PENDING,
        source="tool",
        owner="weather",
        tool_use_id="tu-2",
    )


def weather_agent() -> AgentSnapshot:
    """The interrupted agent: messages of every block kind, settled and interrupted calls."""
    forecast = {"city": "Oslo", "days": 1}
    booking = {"restaurant": "Maaemo", "time": "19:30", "guests": 2}
    return AgentSnapshot(
        name="weather",
        messages=(
            Message("user", (TextBlock("Check tomorrow's weather in Oslo and book dinner."),)),
            Message(
                "assistant",
                (
                    TextBlock("I'll check the forecast first."),
                    ToolUseBlock("tu-1", "get_forecast", forecast),
                ),
            ),
            Message(
                "user",
                (ToolResultBlock("tu-1", "success", {"temp_c": 14.5, "sky": "cloudy"}),),
            ),
            Message(
                "assistant",
                (
                    ToolUseBlock("tu-2", "book_table", booking),
                    ToolUseBlock("tu-3", "get_forecast", {"city": "Bergen", "days": 1}),
                ),
            ),
        ),
        state={"city": "Oslo", "budget_nok": 2500, "preferences": ["seafood", None]},
        pending_tool_calls=(
            ToolCallRecord(
                tool_use_id="tu-2",
                name="book_table",
                input=booking,
                status=ToolCallStatus.INTERRUPTED,
                attempts=1,
                interrupt_ids=["weather:tu-2:booking_approval"],
            ),
            ToolCallRecord(
                tool_use_id="tu-3",
                name="get_forecast",
                input={"city": "Bergen", "days": 1},
                status=ToolCallStatus.SUCCEEDED,
                attempts=2,
                result=ToolResultBlock("tu-3", "success", {"temp_c": 11.0, "sky": "rain"}),
                last_error="ToolTimeoutError: tool 'get_forecast': attempt 1 timed out after 2s",
            ),
        ),
        interrupts=(booking_interrupt(),),
        usage=Usage(input_tokens=310, output_tokens=96),
    )


def _transitions() -> tuple[TransitionRecord, ...]:
    steps = [
        ("graph", "trip", "pending", "start", "executing"),
        ("node", "research", "pending", "start", "executing"),
        ("node", "research", "executing", "complete", "completed"),
        ("node", "weather", "pending", "start", "executing"),
        ("tool_call", "tu-1", "pending", "start", "running"),
        ("tool_call", "tu-1", "running", "succeed", "succeeded"),
        ("tool_call", "tu-2", "pending", "start", "running"),
        ("tool_call", "tu-3", "pending", "start", "running"),
        ("tool_call", "tu-3", "running", "time_out", "retry_wait"),
        ("tool_call", "tu-3", "retry_wait", "retry", "running"),
        ("tool_call", "tu-3", "running", "succeed", "succeeded"),
        ("tool_call", "tu-2", "running", "interrupt", "interrupted"),
        ("node", "weather", "executing", "interrupt", "interrupted"),
        ("graph", "trip", "executing", "interrupt", "interrupted"),
    ]
    return tuple(TransitionRecord(*step, at=_at(0.5 * i)) for i, step in enumerate(steps))


def weather_session() -> SessionRecord:
    """The whole session: a two-node graph interrupted in its ``weather`` node."""
    research = NodeSnapshot(
        node_id="research",
        status=Status.COMPLETED,
        execution_count=1,
        inputs=("__task__",),
        output=NodeOutput(
            kind="agent",
            text="Oslo: the opera house, Vigeland park, dinner at Maaemo.",
            stop_reason="end_turn",
            usage=Usage(input_tokens=120, output_tokens=45),
        ),
        agent=AgentSnapshot(
            name="research",
            messages=(
                Message("user", (TextBlock("Plan a day in Oslo."),)),
                Message(
                    "assistant",
                    (TextBlock("Oslo: the opera house, Vigeland park, dinner at Maaemo."),),
                ),
            ),
            usage=Usage(input_tokens=120, output_tokens=45),
        ),
        execution_time_ms=812.5,
    )
    weather = NodeSnapshot(
        node_id="weather",
        status=Status.INTERRUPTED,
        execution_count=1,
        inputs=("research",),
        agent=weather_agent(),
        execution_time_ms=2304.25,
    )
    graph = GraphSnapshot(
        status=Status.INTERRUPTED,
        task="Plan a day in Oslo.",
        nodes={"research": research, "weather": weather},
        execution_order=("research",),
        interrupts=(booking_interrupt(),),
        timings=Timings(started_at=START, updated_at=_at(6.5), execution_time_ms=3116.75),
        usage=Usage(input_tokens=430, output_tokens=141),
    )
    return SessionRecord(session_id="trip-0001", graph=graph, transitions=_transitions())
