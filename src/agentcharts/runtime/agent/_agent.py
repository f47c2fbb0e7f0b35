"""The Agent: a model, its tools and hooks, and interrupts that resume at the tool call."""

from __future__ import annotations

import asyncio
import copy
import threading
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from agentcharts.exceptions import (
    DefinitionError,
    ExecutionError,
    NotInterruptedError,
    ResumeInputError,
)
from agentcharts.runtime._sync import run_sync
from agentcharts.runtime.agent._results import AgentResult, StopReason
from agentcharts.runtime.events import (
    AgentFinished,
    StreamEvent,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
)
from agentcharts.runtime.hooks import (
    AfterInvocationEvent,
    AfterModelCallEvent,
    BeforeInvocationEvent,
    BeforeModelCallEvent,
    HookProvider,
    HookRegistry,
)
from agentcharts.runtime.interrupts import (
    Interrupt,
    InterruptLedger,
    interrupt_id,
    is_resume_input,
    parse_resume_input,
)
from agentcharts.runtime.models import ModelResponse
from agentcharts.runtime.tools._calls import ToolCallRun
from agentcharts.runtime.tools._config import ToolConfig
from agentcharts.runtime.tools._executor import ToolExecutor
from agentcharts.runtime.tools._tool import Toolbox
from agentcharts.schemas._problems import NotJSONError, copy_json_value
from agentcharts.schemas.messages import Message, TextBlock, ToolResultBlock, Usage
from agentcharts.schemas.records import AgentSnapshot, InterruptSource, ToolCallRecord
from agentcharts.schemas.status import ToolCallStatus

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Sequence

    from agentcharts.machines._base import TransitionRecorder
    from agentcharts.runtime.models import Model

__all__ = ["Agent"]


class Agent:
    """
    An LLM agent: calls its model, runs the tools the model asks for, and repeats.

    It stops at a final answer, at an interrupt (a tool or hook asked a human), or at the
    turn limit. Resumed with interrupt responses, it runs only the interrupted tool calls
    again and continues the same turn without calling the model for it.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        *,
        name: str,
        model: Model,
        tools: Iterable[Any] = (),
        system_prompt: str | None = None,
        state: dict[str, Any] | None = None,
        hooks: Iterable[HookProvider] | None = None,
        tool_config: ToolConfig | None = None,
        max_turns: int = 32,
        recorder: TransitionRecorder | None = None,
    ) -> None:
        """
        Build an agent.

        Args:
            name: The agent's name: its concurrency limit key and its tool threads' prefix.
            model: What answers (``ScriptedModel``, ``FunctionModel``, a provider adapter).
            tools: ``tool``-decorated functions, or plain functions to wrap.
            system_prompt: Sent to the model with every call.
            state: Initial key-value state (JSON values), kept across invocations.
            hooks: Hook providers (objects with ``register_hooks(registry)``).
            tool_config: Timeout, parallelism and retry policy for the tools.
            max_turns: The most model calls in one invocation.
            recorder: Records every tool call and interrupt transition.

        Raises:
            DefinitionError: An empty name, a bad turn limit, or duplicate tool names.
        """
        if not isinstance(name, str) or not name:
            raise DefinitionError(f"an agent needs a non-empty name, got {name!r}")
        if isinstance(max_turns, bool) or not isinstance(max_turns, int) or max_turns < 1:
            raise DefinitionError(f"max_turns must be a positive int, got {max_turns!r}")
        self.name = name
        self.model = model
        self.toolbox = Toolbox(tools)
        self.system_prompt = system_prompt
        self.state: dict[str, Any] = dict(state or {})
        """Key-value state (JSON values); persisted with the agent."""
        self.hooks = HookRegistry(hooks or ())
        self.tool_config = tool_config or ToolConfig()
        self.max_turns = max_turns
        self.recorder = recorder
        self.messages: list[Message] = []
        """The conversation so far."""
        self.usage = Usage()
        """Token usage over every invocation."""
        self.interrupt_ledger = InterruptLedger(recorder=recorder)
        self.interrupt_scope = name
        """Namespaces interrupt ids; a graph sets it to the node path."""
        self._pending: list[ToolCallRun] = []
        self._executor: ToolExecutor | None = None
        self._busy = threading.Lock()
        self._initial = (list(self.messages), copy.deepcopy(self.state))

    # ------------------------------------------------------------------ public surface

    @property
    def tool_names(self) -> tuple[str, ...]:
        """The names of the agent's tools."""
        return self.toolbox.names

    @property
    def tool_executor(self) -> ToolExecutor:
        """The agent's own executor for sync tools, created on first use."""
        if self._executor is None:
            self._executor = ToolExecutor(self.name)
        return self._executor

    @property
    def interrupted(self) -> bool:
        """Whether the agent waits for interrupt responses."""
        return bool(self._pending)

    @property
    def pending_interrupts(self) -> tuple[Interrupt, ...]:
        """The interrupts waiting for a response."""
        return tuple(Interrupt.from_record(r) for r in self.interrupt_ledger.pending)

    def __call__(self, prompt: Any, **invocation_state: Any) -> AgentResult:
        """Run :meth:`invoke_async` to completion, from sync code (with or without a loop)."""
        return run_sync(lambda: self.invoke_async(prompt, **invocation_state))

    async def invoke_async(self, prompt: Any, **invocation_state: Any) -> AgentResult:
        """
        Run the agent on a prompt, or resume it with interrupt responses.

        Args:
            prompt: A text prompt, or ``[{"interruptResponse": {"interruptId", "response"}}]``.
            **invocation_state: Shared with every tool through its context.

        Returns:
            The result: a final answer, or the pending interrupts.

        Raises:
            ResumeInputError: A prompt while interrupted, or malformed resume input.
            UnknownInterruptError: A response for an unknown or already settled interrupt.
            NotInterruptedError: Interrupt responses while not interrupted.
            ExecutionError: The agent is already running.
        """
        result: AgentResult | None = None
        async with aclosing(self.stream_async(prompt, **invocation_state)) as events:
            async for event in events:
                if isinstance(event, AgentFinished):
                    result = event.result
        assert result is not None  # noqa: S101 - stream_async always ends with AgentFinished
        return result

    async def stream_async(
        self, prompt: Any, **invocation_state: Any
    ) -> AsyncGenerator[StreamEvent, None]:
        """
        Run like :meth:`invoke_async`, yielding events; the last is ``AgentFinished``.

        Args:
            prompt: A text prompt, or interrupt responses.
            **invocation_state: Shared with every tool through its context.
        """
        if not self._busy.acquire(blocking=False):
            raise ExecutionError(f"agent {self.name!r} is already running; invocations overlap")
        try:
            resume = self._accept(prompt)
            await self.hooks.dispatch(BeforeInvocationEvent(self, prompt))
            usage = Usage()
            stop: StopReason = "end_turn"
            async for event in self._loop(resume, invocation_state):
                if isinstance(event, ModelResponse):
                    usage += event.usage
                    stop = "max_tokens" if event.stop_reason == "max_tokens" else stop
                elif isinstance(event, str):
                    stop = event  # type: ignore[assignment]
                else:
                    yield event
            result = AgentResult(
                stop_reason=stop,
                message=self._last_assistant(),
                interrupts=self.pending_interrupts,
                usage=usage,
            )
            await self.hooks.dispatch(AfterInvocationEvent(self, result))
            yield AgentFinished(result)
        finally:
            self._busy.release()

    def snapshot(self) -> AgentSnapshot:
        """Return the agent's complete state, to persist and restore elsewhere."""
        return AgentSnapshot(
            name=self.name,
            messages=tuple(self.messages),
            state=copy.deepcopy(self.state),
            pending_tool_calls=tuple(copy.deepcopy(run.record) for run in self._pending),
            interrupts=tuple(copy.deepcopy(r) for r in self.interrupt_ledger.records),
            usage=self.usage,
        )

    def restore(self, snapshot: AgentSnapshot) -> None:
        """
        Replace the agent's state with a snapshot (from :meth:`snapshot`, maybe another process).

        Raises:
            DefinitionError: The snapshot belongs to an agent with another name.
        """
        if snapshot.name != self.name:
            msg = f"snapshot of agent {snapshot.name!r} cannot restore agent {self.name!r}"
            raise DefinitionError(msg)
        self.messages = list(snapshot.messages)
        self.state = copy.deepcopy(snapshot.state)
        self.usage = snapshot.usage
        self.interrupt_ledger = InterruptLedger(
            (copy.deepcopy(r) for r in snapshot.interrupts), recorder=self.recorder
        )
        self._pending = [self._bind(copy.deepcopy(r)) for r in snapshot.pending_tool_calls]

    def reset(self) -> None:
        """Forget the conversation and interrupts; restore the state the agent was built with."""
        messages, state = self._initial
        self.messages = list(messages)
        self.state = copy.deepcopy(state)
        self.interrupt_ledger = InterruptLedger(recorder=self.recorder)
        self._pending = []

    def close(self) -> None:
        """Stop the agent's idle tool threads (abandoned ones finish on their own)."""
        if self._executor is not None:
            self._executor.shutdown()

    # ------------------------------------------------------------------ the loop

    def _accept(self, prompt: Any) -> bool:
        """Check the prompt against the agent's state; return whether it is a resume."""
        pending_ids = [r.id for r in self.interrupt_ledger.pending]
        if self.interrupted:
            if not isinstance(prompt, list):
                raise ResumeInputError(
                    f"agent {self.name!r} is interrupted; resume it with interrupt responses, "
                    f"not a {type(prompt).__name__}",
                    pending_ids=pending_ids,
                )
            self.interrupt_ledger.answer(parse_resume_input(prompt, pending_ids))
            return True
        if is_resume_input(prompt):
            raise NotInterruptedError(f"agent {self.name!r}")
        if not isinstance(prompt, str):
            raise ResumeInputError(
                f"a prompt must be a str or interrupt responses, got {type(prompt).__name__}"
            )
        self.messages.append(Message("user", (TextBlock(prompt),)))
        return False

    async def _loop(  # noqa: C901 - the agent loop reads best in one piece
        self,
        resume: bool,  # noqa: FBT001 - private, and always passed by the one caller
        invocation_state: dict[str, Any],
    ) -> AsyncIterator[StreamEvent | ModelResponse | str]:
        """Yield stream events, model responses (for usage) and a final stop reason string."""
        if resume:
            if self.interrupt_ledger.pending:
                yield "interrupt"
                return
            async for event in self._run_tools(invocation_state):
                yield event
            if self._pending:
                yield "interrupt"
                return
        for _ in range(self.max_turns):
            response: ModelResponse | None = None
            await self.hooks.dispatch(BeforeModelCallEvent(self, tuple(self.messages)))
            async for item in self.model.stream(
                tuple(self.messages), self.toolbox.specs, self.system_prompt
            ):
                if isinstance(item, ModelResponse):
                    response = item
                else:
                    yield TextDelta(self.name, item.text)
            if response is None:
                raise ExecutionError(f"agent {self.name!r}: the model's stream gave no response")
            await self.hooks.dispatch(AfterModelCallEvent(self, response))
            self.usage += response.usage
            self.messages.append(response.message)
            yield response
            uses = response.message.tool_uses
            if not uses:
                return
            self._pending = [
                self._bind(ToolCallRecord(u.tool_use_id, u.name, dict(u.input))) for u in uses
            ]
            async for event in self._run_tools(invocation_state):
                yield event
            if self._pending:
                yield "interrupt"
                return
        yield "max_turns"

    async def _run_tools(
        self, invocation_state: dict[str, Any]
    ) -> AsyncGenerator[StreamEvent, None]:
        """Run the turn's unsettled calls; finish the turn if none is left interrupted."""
        runs = [
            r
            for r in self._pending
            if r.record.status in {ToolCallStatus.PENDING, ToolCallStatus.INTERRUPTED}
        ]
        for run in runs:
            yield ToolCallStarted(self.name, run.record.tool_use_id, run.record.name)
        parallel = len(runs) > 1 and all(run.config.parallel for run in runs)
        if parallel:
            async with asyncio.TaskGroup() as group:
                for run in runs:
                    group.create_task(self._run_one(run, invocation_state))
        else:
            for run in runs:
                await self._run_one(run, invocation_state)
        for run in runs:
            result = run.record.result
            yield ToolCallFinished(
                self.name,
                run.record.tool_use_id,
                run.record.name,
                run.record.status.value,
                None if result is None else result.content,
            )
        if any(r.record.status is ToolCallStatus.INTERRUPTED for r in self._pending):
            return
        results = tuple(r.record.result for r in self._pending if r.record.result is not None)
        self.messages.append(Message("user", results))
        self._pending = []
        self.interrupt_ledger.clear()

    async def _run_one(self, run: ToolCallRun, invocation_state: dict[str, Any]) -> None:
        await run.run(self, interrupt=self._interrupt, invocation_state=invocation_state)

    def _interrupt(self, source: InterruptSource, tool_use_id: str, name: str, reason: Any) -> Any:
        if not isinstance(name, str) or not name:
            raise DefinitionError(f"an interrupt needs a non-empty name, got {name!r}")
        try:
            reason = copy_json_value(reason)
        except NotJSONError as error:
            msg = f"the reason of interrupt {name!r} must be a JSON value: {error}"
            raise DefinitionError(msg) from None
        return self.interrupt_ledger.raise_or_answer(
            interrupt_id=interrupt_id(source, self.interrupt_scope, tool_use_id, name),
            name=name,
            reason=reason,
            source=source,
            owner=self.interrupt_scope,
            tool_use_id=tool_use_id,
        )

    def _bind(self, record: ToolCallRecord) -> ToolCallRun:
        tool = self.toolbox.get(record.name)
        config = self.tool_config
        if tool is not None:
            config = config.override(**tool.overrides())
        return ToolCallRun(record, tool, config, recorder=self.recorder)

    def _last_assistant(self) -> Message | None:
        for message in reversed(self.messages):
            if message.role == "assistant":
                return message
        return None

    @staticmethod
    def tool_results(messages: Sequence[Message]) -> list[ToolResultBlock]:
        """Return every tool result block of a conversation, in order (handy in tests)."""
        return [b for m in messages for b in m.content if isinstance(b, ToolResultBlock)]
