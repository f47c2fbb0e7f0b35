"""Run one tool call through its lifecycle: hooks, input validation, attempts, timeouts, retries."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from agentcharts.exceptions import ToolCapacityError, ToolInputError, ToolTimeoutError
from agentcharts.machines._engine import bind
from agentcharts.machines.tool_call import ToolCallLifecycle
from agentcharts.runtime.hooks import AfterToolCallEvent, BeforeToolCallEvent
from agentcharts.runtime.interrupts import InterruptSignal
from agentcharts.runtime.retry import classify_error, retry_after_seconds
from agentcharts.runtime.tools._context import ToolContext
from agentcharts.schemas._problems import NotJSONError, copy_json_value
from agentcharts.schemas.messages import ToolResultBlock, ToolUseBlock
from agentcharts.schemas.status import InterruptStatus, ToolCallStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from agentcharts.machines._base import TransitionRecorder
    from agentcharts.runtime.tools._config import ToolConfig
    from agentcharts.runtime.tools._tool import Tool
    from agentcharts.schemas.records import ToolCallRecord

__all__ = ["ToolCallRun", "timeout_result"]


def timeout_result(timeout: float) -> dict[str, Any]:
    """Return what the model sees when a call timed out: exactly these two keys."""
    return {"error": f"Tool timed out after {timeout}s", "timeout": True}


def _describe(error: BaseException) -> str:
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _json_value(value: Any) -> Any:
    """Return a JSON copy of ``value``, or its text if it is not JSON, so it can be persisted."""
    try:
        return copy_json_value(value)
    except NotJSONError:
        return str(value)


class ToolCallRun:
    """
    One tool call and its lifecycle machine; the machine's subject.

    The record is what is persisted; this object adds what only exists while running: the
    tool, the effective config, and whether a timed-out attempt may still be running.
    """

    def __init__(
        self,
        record: ToolCallRecord,
        tool: Tool[Any] | None,
        config: ToolConfig,
        *,
        recorder: TransitionRecorder | None,
    ) -> None:
        """
        Bind a call to its lifecycle, restoring it if the record already has a state.

        Args:
            record: The persisted record of the call.
            tool: The tool, or ``None`` for a name the model made up.
            config: The agent's tool config with the tool's own overrides applied.
            recorder: Records the call's transitions.
        """
        self.record = record
        self.tool = tool
        self.config = config
        self.may_still_run = False
        """Whether a timed-out attempt may still be running (a sync tool's abandoned thread)."""
        self.retryable = True
        """False for failures no retry can fix (unknown tool, invalid input, capacity)."""
        self.machine = bind(
            ToolCallLifecycle, self, machine_id=record.tool_use_id, recorder=recorder
        )

    @property
    def status(self) -> ToolCallStatus:
        """The call's lifecycle state (the machine reads and writes it here)."""
        return self.record.status

    @status.setter
    def status(self, value: ToolCallStatus) -> None:
        self.record.status = value

    @property
    def tool_use(self) -> ToolUseBlock:
        """The model's request."""
        return ToolUseBlock(self.record.tool_use_id, self.record.name, self.record.input)

    def retry_allowed(self, error_kind: str) -> bool:
        """
        Guard of the retry transitions: may another attempt follow the one that just ended.

        A timed-out attempt that may still be running is retried only for idempotent tools.
        """
        policy = self.config.retry_policy
        if policy is None or not self.retryable:
            return False
        if error_kind == "timeout" and self.may_still_run and not self.config.idempotent:
            return False
        return policy.should_retry(error_kind, self.record.attempts)

    async def run(
        self,
        agent: Any,
        *,
        interrupt: Callable[..., Any],
        invocation_state: dict[str, Any],
    ) -> None:
        """
        Drive the call until it settles or interrupts; never raises for a tool's failure.

        Args:
            agent: The agent running the call.
            interrupt: ``interrupt(source, tool_use_id, name, reason)`` asks a human.
            invocation_state: Passed to the tool's context.
        """
        record = self.record
        self.machine.fire("resume" if record.status is ToolCallStatus.INTERRUPTED else "start")
        tool_use = self.tool_use

        def ask(source: str) -> Callable[[str, Any], Any]:
            def raise_interrupt(name: str, reason: Any = None) -> Any:
                return interrupt(source, record.tool_use_id, name, reason)

            return raise_interrupt

        event = BeforeToolCallEvent(agent, tool_use, self.tool, _interrupt=ask("before_tool_call"))
        try:
            await agent.hooks.dispatch(event)
        except InterruptSignal as signal:
            self._interrupted(signal)
            return
        if event.cancel_tool:
            message = event.cancel_tool if isinstance(event.cancel_tool, str) else ""
            self._cancel(agent, message or "tool cancelled by user")
        else:
            await self._attempts(agent, ask("tool"), invocation_state)
        if record.status is ToolCallStatus.INTERRUPTED or record.result is None:
            return
        after = AfterToolCallEvent(agent, tool_use, record.result)
        await agent.hooks.dispatch(after)
        record.result = after.result

    async def _attempts(  # noqa: C901, PLR0911 - one retry loop, each outcome ends it its own way
        self, agent: Any, ask: Callable[[str, Any], Any], invocation_state: dict[str, Any]
    ) -> None:
        record = self.record
        if self.tool is None:
            known = ", ".join(sorted(agent.tool_names)) or "none"
            self.retryable = False
            self._fail(f"unknown tool {record.name!r}; available tools: {known}", "error")
            return
        try:
            kwargs = self.tool.bind(record.input)
        except ToolInputError as error:
            self.retryable = False
            self._fail(str(error), "error")
            return
        if self.tool.takes_context:
            kwargs["tool_context"] = ToolContext(
                agent, self.tool_use, invocation_state, _interrupt=ask
            )
        while True:
            record.attempts += 1
            try:
                value = await self._invoke(agent, kwargs)
            except InterruptSignal as signal:
                self._interrupted(signal)
                return
            except ToolTimeoutError as error:
                self.may_still_run = not self.tool.is_async
                record.last_error = _describe(error)
                self.machine.fire("time_out", error_kind="timeout")
                if record.status is ToolCallStatus.TIMED_OUT:
                    record.result = ToolResultBlock(
                        record.tool_use_id, "error", timeout_result(error.timeout_s)
                    )
                    return
                await self._backoff(error)
                continue
            except ToolCapacityError as error:
                self.retryable = False
                self._fail(_describe(error), "error")
                return
            except Exception as error:  # noqa: BLE001 - a tool's failure becomes its result
                kind = classify_error(error)
                record.last_error = _describe(error)
                self.machine.fire("fail", error_kind=kind)
                if record.status is ToolCallStatus.FAILED:
                    self._set_failure_result()
                    return
                await self._backoff(error)
                continue
            if self._swallowed_interrupt(agent):
                return
            self.machine.fire("succeed")
            record.result = ToolResultBlock(record.tool_use_id, "success", _json_value(value))
            return

    async def _invoke(self, agent: Any, kwargs: dict[str, Any]) -> Any:
        tool = self.tool
        assert tool is not None  # noqa: S101 - checked by the caller
        timeout = self.config.timeout
        if tool.is_async:
            if timeout is None:
                return await tool.fn(**kwargs)
            return await agent.tool_executor.run_async(
                tool.fn, tool_name=tool.name, timeout=timeout, **kwargs
            )
        return await agent.tool_executor.run_sync(
            tool.fn, tool_name=tool.name, timeout=timeout, **kwargs
        )

    async def _backoff(self, error: BaseException) -> None:
        policy = self.config.retry_policy
        assert policy is not None  # noqa: S101 - the retry guard admitted a retry
        delay_ms = policy.get_delay_ms(
            self.record.attempts, retry_after_s=retry_after_seconds(error)
        )
        await asyncio.sleep(delay_ms / 1000)
        self.machine.fire("retry")

    def _swallowed_interrupt(self, agent: Any) -> bool:
        """Treat an interrupt the tool caught and hid as raised: it is pending in the ledger."""
        pending = [
            r
            for r in agent.interrupt_ledger.records
            if r.tool_use_id == self.record.tool_use_id
            and r.status is InterruptStatus.PENDING
            and r.source == "tool"
        ]
        if not pending:
            return False
        self._interrupted(InterruptSignal(pending[-1]))
        return True

    def _interrupted(self, signal: InterruptSignal) -> None:
        if signal.record.id not in self.record.interrupt_ids:
            self.record.interrupt_ids.append(signal.record.id)
        self.machine.fire("interrupt")

    def _cancel(self, agent: Any, message: str) -> None:
        for interrupt_id in self.record.interrupt_ids:
            agent.interrupt_ledger.reject(interrupt_id)
        self.machine.fire("cancel")
        self.record.result = ToolResultBlock(
            self.record.tool_use_id, "error", {"error": message, "cancelled": True}
        )

    def _fail(self, message: str, kind: str) -> None:
        self.record.last_error = message
        self.machine.fire("fail", error_kind=kind)
        self._set_failure_result()

    def _set_failure_result(self) -> None:
        record = self.record
        content: dict[str, Any] = {"error": record.last_error or "tool failed"}
        if record.attempts:
            content["attempts"] = record.attempts
        record.result = ToolResultBlock(record.tool_use_id, "error", content)
