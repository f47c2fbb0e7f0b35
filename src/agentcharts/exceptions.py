"""Every public error of agentcharts, in one place.

All of them derive from :class:`AgentchartsError`, so ``except AgentchartsError`` catches
anything the library raises on purpose. Each error keeps its inputs as attributes and builds
its message from them, so callers can act on the fields instead of parsing text. Where the
meaning matches a builtin, the error co-inherits it (a tool timeout *is* a ``TimeoutError``).

The tree::

    AgentchartsError
    ├── DefinitionError                 a graph, tool, machine or setting is built wrong
    │   ├── InvalidSettingError(ValueError)
    │   │                               a limit, timeout or policy value is out of range
    │   └── GraphFileError              a graph file is unreadable or invalid; names the key path
    ├── IllegalTransitionError          a lifecycle refused an event in its current state
    ├── DiagramError                    a diagram cannot be rendered (unknown format, no Graphviz)
    ├── ExecutionError                  something failed while running
    │   ├── ModelError                  a model adapter or scripted model failed
    │   │   ├── ScriptExhaustedError    a ScriptedModel ran out of turns
    │   │   ├── ModelRateLimitError     HTTP 429, with the Retry-After delay
    │   │   ├── ModelServerError        HTTP 5xx
    │   │   ├── ModelRequestError       HTTP 4xx other than 429: the provider refused the request
    │   │   ├── ModelResponseError      a reply that is not the wire format
    │   │   ├── ModelTimeoutError(TimeoutError)
    │   │   └── ModelConnectionError(ConnectionError)
    │   ├── ToolError                   a tool call could not produce a result
    │   │   ├── ToolTimeoutError(TimeoutError)
    │   │   ├── ToolInputError(ValueError)
    │   │   │                           the model's input does not fit the tool's hints
    │   │   └── ToolCapacityError       too many abandoned tool threads on one agent
    │   ├── ConcurrencyError            misuse of a concurrency limit
    │   │   ├── UnmatchedReleaseError(RuntimeError)
    │   │   ├── LoopBlockingError(RuntimeError)
    │   │   ├── AcquireTimeoutError(TimeoutError)
    │   │   └── LimitBackendError       a shared limit's backend (Redis) failed or lost its state
    │   ├── NodeTimeoutError(TimeoutError)
    │   ├── ExecutionTimeoutError(TimeoutError)
    │   └── NodeFailures(ExceptionGroup)
    ├── InterruptError                  a resume that does not fit the pending interrupts
    │   ├── ResumeInputError(TypeError) the resume input is malformed, or a task came instead
    │   ├── UnknownInterruptError(KeyError)
    │   │                               a response names an unknown or settled interrupt
    │   └── NotInterruptedError         interrupt responses sent to something not interrupted
    └── PersistenceError                loading or storing state failed
        ├── SnapshotDecodeError(ValueError)
        │   │                           a payload is malformed; names the path inside it
        │   └── SchemaVersionError      the payload's format version is unknown or too new
        ├── SnapshotEncodeError(TypeError)
        │                               a record holds a value the format cannot store
        ├── InvalidSessionIdError(ValueError)
        ├── InvalidWriteError(ValueError)
        │                               a store write got a non-JSON document or a bad version
        ├── SessionNotFoundError(KeyError)
        ├── CorruptSessionError         a stored session cannot be read back
        ├── SessionConflictError        a stale writer lost a versioned write
        └── StoreUnavailableError       the store's backing service cannot be reached
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "AcquireTimeoutError",
    "AgentchartsError",
    "ConcurrencyError",
    "CorruptSessionError",
    "DefinitionError",
    "DiagramError",
    "ExecutionError",
    "ExecutionTimeoutError",
    "GraphFileError",
    "IllegalTransitionError",
    "InterruptError",
    "InvalidSessionIdError",
    "InvalidSettingError",
    "InvalidWriteError",
    "LimitBackendError",
    "LoopBlockingError",
    "ModelConnectionError",
    "ModelError",
    "ModelRateLimitError",
    "ModelRequestError",
    "ModelResponseError",
    "ModelServerError",
    "ModelTimeoutError",
    "NodeFailureNote",
    "NodeFailures",
    "NodeTimeoutError",
    "NotInterruptedError",
    "PersistenceError",
    "ResumeInputError",
    "SchemaVersionError",
    "ScriptExhaustedError",
    "SessionConflictError",
    "SessionNotFoundError",
    "SnapshotDecodeError",
    "SnapshotEncodeError",
    "StoreUnavailableError",
    "ToolCapacityError",
    "ToolError",
    "ToolInputError",
    "ToolTimeoutError",
    "UnknownInterruptError",
    "UnmatchedReleaseError",
    "describe_errors",
]


class AgentchartsError(Exception):
    """
    Base class of every error that agentcharts raises on purpose.

    .. versionadded:: 0.1
    """


# --------------------------------------------------------------------------- definitions


class DefinitionError(AgentchartsError):
    """
    A graph, tool, lifecycle or setting is defined in a way that cannot run.

    Raised at build time (``GraphBuilder.build()``, the ``tool`` decorator, constructors),
    never in the middle of a run.
    """


class InvalidSettingError(DefinitionError, ValueError):
    """A limit, timeout, retry policy or similar setting has a value outside its range."""

    def __init__(self, setting: str, value: object, expected: str) -> None:
        """
        Build the error from the setting's name, the value given and what was expected.

        Args:
            setting: The name of the setting, as the user spells it (``"limit"``).
            value: The value that was given.
            expected: What would have been accepted (``"a positive int"``).
        """
        self.setting = setting
        self.value = value
        self.expected = expected
        super().__init__(f"{setting} must be {expected}, got {value!r}")


class GraphFileError(DefinitionError):
    """
    A graph file cannot be read, or does not describe a valid graph.

    The message names the file, the key path inside it (``agents.weather.tool_timeout``)
    and what was expected there.
    """

    def __init__(self, file: str, key_path: str, problem: str) -> None:
        """
        Build the error.

        Args:
            file: The graph file, as the user named it.
            key_path: Where the problem is inside the file, dotted with ``[i]`` for list
                items (``edges[1].to``); empty for the file as a whole.
            problem: What is wrong, and what was expected.
        """
        self.file = file
        self.key_path = key_path
        self.problem = problem
        where = f"at {key_path}: " if key_path else ""
        super().__init__(f"{file}: {where}{problem}")


class IllegalTransitionError(AgentchartsError):
    """
    A lifecycle machine refused an event that its current state does not allow.

    Wraps python-statemachine's ``TransitionNotAllowed`` and keeps what it knew.
    """

    def __init__(
        self,
        machine: str,
        machine_id: str,
        state: str,
        event: str,
        *,
        guard_failed: bool = False,
    ) -> None:
        """
        Build the error from the machine kind, its id, its state and the refused event.

        Args:
            machine: The lifecycle's class name (``"NodeLifecycle"``).
            machine_id: The id of the object the machine tracks (a node id, a tool call id).
            state: The state the machine was in.
            event: The event that was refused.
            guard_failed: True when the event exists in that state but its guard said no.
        """
        self.machine = machine
        self.machine_id = machine_id
        self.state = state
        self.event = event
        self.guard_failed = guard_failed
        why = "its guard refused it" if guard_failed else "not allowed"
        super().__init__(f"{machine} {machine_id!r}: event {event!r} in state {state!r}: {why}")


class DiagramError(AgentchartsError):
    """A diagram cannot be rendered: an unknown format or lifecycle, or no Graphviz for SVG."""

    def __init__(self, fmt: str, reason: str) -> None:
        """
        Build the error.

        Args:
            fmt: The format asked for.
            reason: Why it cannot be rendered.
        """
        self.format = fmt
        self.reason = reason
        super().__init__(f"cannot render {fmt}: {reason}")


# --------------------------------------------------------------------------- execution


class ExecutionError(AgentchartsError):
    """Something failed while a graph, agent, model or tool was running."""


class ModelError(ExecutionError):
    """A model (a provider adapter or a scripted model) could not produce a turn."""


class ScriptExhaustedError(ModelError):
    """A ``ScriptedModel`` was asked for more turns than its script holds."""

    def __init__(self, turns: int) -> None:
        """
        Build the error from the number of turns in the script.

        Args:
            turns: How many turns the script held.
        """
        self.turns = turns
        super().__init__(f"the scripted model has no turn left: all {turns} turn(s) were used")


class ModelRateLimitError(ModelError):
    """The provider answered HTTP 429; ``retry_after`` holds its delay in seconds, if given."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        """
        Build the error.

        Args:
            message: What the provider said.
            retry_after: The Retry-After delay in seconds, when the provider sent one.
        """
        self.retry_after = retry_after
        suffix = f" (retry after {retry_after:g}s)" if retry_after is not None else ""
        super().__init__(f"rate limited by the model provider: {message}{suffix}")


class ModelServerError(ModelError):
    """The provider answered with an HTTP 5xx status."""

    def __init__(self, status_code: int, message: str) -> None:
        """
        Build the error.

        Args:
            status_code: The HTTP status (500-599).
            message: The body or reason the provider gave.
        """
        self.status_code = status_code
        super().__init__(f"model provider error {status_code}: {message}")


class ModelRequestError(ModelError):
    """The provider refused the request with an HTTP 4xx status other than 429."""

    def __init__(self, status_code: int, message: str) -> None:
        """
        Build the error.

        Args:
            status_code: The HTTP status (400-499).
            message: The error message the provider gave.
        """
        self.status_code = status_code
        super().__init__(f"model provider refused the request ({status_code}): {message}")


class ModelResponseError(ModelError):
    """The provider's reply is not the expected wire format (malformed JSON, missing fields)."""


class ModelTimeoutError(ModelError, TimeoutError):
    """The provider did not answer within the configured timeout."""


class ModelConnectionError(ModelError, ConnectionError):
    """The provider could not be reached."""


class ToolError(ExecutionError):
    """A tool call could not produce a result."""

    def __init__(self, tool_name: str, message: str) -> None:
        """
        Build the error.

        Args:
            tool_name: The tool's name.
            message: What went wrong.
        """
        self.tool_name = tool_name
        super().__init__(f"tool {tool_name!r}: {message}")


class ToolInputError(ToolError, ValueError):
    """The model's input for a tool does not fit the tool's type hints."""

    def __init__(self, tool_name: str, problems: Sequence[tuple[str, str]]) -> None:
        """
        Build the error.

        Args:
            tool_name: The tool's name.
            problems: ``(path, what was wrong)`` pairs; a path looks like ``items[2].name``
                and is empty for the input itself.
        """
        self.problems = tuple(problems)
        first_path, first_problem = self.problems[0] if self.problems else ("", "invalid")
        where = f" at {first_path}" if first_path else ""
        rest = len(self.problems) - 1
        more = f" (and {rest} more problem{'s' if rest > 1 else ''})" if rest > 0 else ""
        super().__init__(tool_name, f"invalid input{where}: {first_problem}{more}")

    @property
    def path(self) -> str:
        """The path of the first problem inside the input (``items[2].name``)."""
        return self.problems[0][0] if self.problems else ""


class ToolTimeoutError(ToolError, TimeoutError):
    """One attempt of a tool call ran longer than its timeout."""

    def __init__(self, tool_name: str, timeout_s: float, *, attempt: int = 1) -> None:
        """
        Build the error.

        Args:
            tool_name: The tool's name.
            timeout_s: The per-attempt timeout, in seconds.
            attempt: Which attempt timed out (1-based).
        """
        self.timeout_s = timeout_s
        self.attempt = attempt
        super().__init__(tool_name, f"attempt {attempt} timed out after {timeout_s:g}s")


class ToolCapacityError(ToolError):
    """An agent has too many abandoned (timed-out, still running) tool threads to start another."""

    def __init__(self, tool_name: str, agent_name: str, abandoned: int) -> None:
        """
        Build the error.

        Args:
            tool_name: The tool that was refused.
            agent_name: The agent whose executor is full.
            abandoned: How many abandoned threads the agent has.
        """
        self.agent_name = agent_name
        self.abandoned = abandoned
        super().__init__(
            tool_name,
            f"refused: agent {agent_name!r} has {abandoned} abandoned tool thread(s) still "
            "running past their timeout",
        )


class ConcurrencyError(ExecutionError):
    """A concurrency limit was used in a way it does not allow."""


class UnmatchedReleaseError(ConcurrencyError, RuntimeError):
    """``release(name)`` was called with no slot of that name held."""

    def __init__(self, name: str) -> None:
        """
        Build the error.

        Args:
            name: The limit's name.
        """
        self.name = name
        super().__init__(f"release({name!r}) without a matching acquire: no slot is held")


class LoopBlockingError(ConcurrencyError, RuntimeError):
    """A blocking call was made from a thread whose event loop is running."""

    def __init__(self, name: str) -> None:
        """
        Build the error.

        Args:
            name: The limit's name.
        """
        self.name = name
        super().__init__(
            f"acquire_sync({name!r}) cannot be called with a running event loop; "
            "use async acquire() in async contexts."
        )


class AcquireTimeoutError(ConcurrencyError, TimeoutError):
    """No slot of a limit became free within the acquire timeout."""

    def __init__(self, name: str, timeout_s: float) -> None:
        """
        Build the error.

        Args:
            name: The limit's name.
            timeout_s: How long the caller waited, in seconds.
        """
        self.name = name
        self.timeout_s = timeout_s
        super().__init__(f"no slot of {name!r} became free within {timeout_s:g}s")


class LimitBackendError(ConcurrencyError):
    """
    A limit shared through a backend (Redis) cannot be honoured: never a silent over-admission.

    Raised when the backend cannot be reached, when it lost the limits' state (a restart
    without persistence, a flush), and when a held slot's lease was lost before its release.
    """

    def __init__(self, url: str, problem: str, name: str | None = None) -> None:
        """
        Build the error.

        Args:
            url: The backend's address, without its password.
            problem: What went wrong.
            name: The limit's name, when one limit is concerned.
        """
        self.url = url
        self.problem = problem
        self.name = name
        which = f" for limit {name!r}" if name is not None else ""
        super().__init__(f"the limit backend at {url} failed{which}: {problem}")


class NodeTimeoutError(ExecutionError, TimeoutError):
    """A graph node ran longer than the graph's node timeout."""

    def __init__(self, node_id: str, timeout_s: float) -> None:
        """
        Build the error.

        Args:
            node_id: The node that timed out.
            timeout_s: The node timeout, in seconds.
        """
        self.node_id = node_id
        self.timeout_s = timeout_s
        super().__init__(f"node {node_id!r} timed out after {timeout_s:g}s")


class ExecutionTimeoutError(ExecutionError, TimeoutError):
    """A graph ran longer than its execution timeout."""

    def __init__(self, timeout_s: float) -> None:
        """
        Build the error.

        Args:
            timeout_s: The execution timeout, in seconds.
        """
        self.timeout_s = timeout_s
        super().__init__(f"graph execution timed out after {timeout_s:g}s")


class NodeFailureNote(str):
    """A note attached to each member of :class:`NodeFailures`, naming the node it came from."""

    __slots__ = ("attempt", "node_id")

    node_id: str
    attempt: int

    def __new__(cls, node_id: str, attempt: int) -> Self:
        """
        Build the note.

        Args:
            node_id: The node whose failure this is.
            attempt: The node's execution count when it failed.
        """
        note = super().__new__(cls, f"in node {node_id!r} (execution {attempt})")
        note.node_id = node_id
        note.attempt = attempt
        return note


class NodeFailures(ExceptionGroup[Exception], ExecutionError):  # noqa: N818 - a group, named as STYLE.md 7 names it
    """The nodes of a graph that failed in one run, as an exception group."""

    def __new__(cls, failures: Sequence[tuple[str, int, Exception]]) -> Self:
        """
        Group node failures, attaching a :class:`NodeFailureNote` to each.

        Args:
            failures: ``(node_id, attempt, error)`` for each failed node.
        """
        errors = []
        for node_id, attempt, error in failures:
            error.add_note(NodeFailureNote(node_id, attempt))
            errors.append(error)
        ids = ", ".join(repr(node_id) for node_id, _, _ in failures)
        return super().__new__(cls, f"{len(errors)} node(s) failed: {ids}", errors)

    def __init__(self, failures: Sequence[tuple[str, int, Exception]]) -> None:
        """Initialise the group; all the work happens in ``__new__``."""
        ids = ", ".join(repr(node_id) for node_id, _, _ in failures)
        super().__init__(f"{len(failures)} node(s) failed: {ids}", [e for _, _, e in failures])

    def derive(  # type: ignore[override]
        self, excs: Sequence[Exception], /
    ) -> ExceptionGroup[Exception]:
        """Return a plain group for the subgroups that ``split`` builds."""
        return ExceptionGroup(self.message, list(excs))


def describe_errors(group: BaseExceptionGroup[Any]) -> list[str]:
    """
    Flatten an exception group into one line per error, with the node it came from.

    Args:
        group: A :class:`NodeFailures` (or any exception group).

    Returns:
        Lines such as ``"node 'fetch' (execution 1): ValueError: bad input"``.
    """
    lines: list[str] = []
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            lines.extend(describe_errors(error))
            continue
        notes = [n for n in getattr(error, "__notes__", ()) if isinstance(n, NodeFailureNote)]
        where = f"node {notes[0].node_id!r} (execution {notes[0].attempt}): " if notes else ""
        lines.append(f"{where}{type(error).__name__}: {error}")
    return lines


# --------------------------------------------------------------------------- interrupts


class InterruptError(AgentchartsError):
    """A resume does not fit the interrupts that are pending."""

    def __init__(self, message: str, *, pending_ids: Sequence[str] = ()) -> None:
        """
        Build the error.

        Args:
            message: What was wrong with the resume.
            pending_ids: The ids of the interrupts still waiting for a response.
        """
        self.pending_ids = tuple(pending_ids)
        listed = ", ".join(self.pending_ids) if self.pending_ids else "none"
        super().__init__(f"{message} (pending interrupt ids: {listed})")

    def __str__(self) -> str:
        """Return the message, not the quoted repr that ``KeyError`` would give."""
        return str(self.args[0])


class ResumeInputError(InterruptError, TypeError):
    """The resume input is malformed, or a new task was given while interrupts are pending."""


class UnknownInterruptError(InterruptError, KeyError):
    """A response names an interrupt that is unknown or already settled."""

    def __init__(self, interrupt_id: str, *, pending_ids: Sequence[str] = ()) -> None:
        """
        Build the error.

        Args:
            interrupt_id: The id the response named.
            pending_ids: The ids of the interrupts still waiting for a response.
        """
        self.interrupt_id = interrupt_id
        super().__init__(f"no pending interrupt has id {interrupt_id!r}", pending_ids=pending_ids)


class NotInterruptedError(InterruptError):
    """Interrupt responses were sent to an agent or graph that is not interrupted."""

    def __init__(self, owner: str) -> None:
        """
        Build the error.

        Args:
            owner: What received the responses (``"agent 'weather'"``, ``"graph"``).
        """
        self.owner = owner
        super().__init__(f"{owner} received interrupt responses but is not interrupted")


# --------------------------------------------------------------------------- persistence


class PersistenceError(AgentchartsError):
    """Loading or storing state failed."""


class SnapshotDecodeError(PersistenceError, ValueError):
    """A persisted payload is malformed; ``problems`` pairs each path with what was wrong."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        """
        Build the error.

        Args:
            problems: ``(path, what was wrong)`` pairs; a path looks like
                ``nodes.weather.status`` and is empty for the document itself.
        """
        self.problems = tuple(problems)
        first_path, first_problem = self.problems[0] if self.problems else ("", "invalid")
        where = f" at {first_path}" if first_path else ""
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"invalid snapshot{where}: {first_problem}{more}")

    @property
    def path(self) -> str:
        """The path of the first problem inside the data (``nodes.weather.status``)."""
        return self.problems[0][0] if self.problems else ""


class SchemaVersionError(SnapshotDecodeError):
    """A payload's format version is newer than this library knows, or has no migration."""

    def __init__(self, version: object, current: int) -> None:
        """
        Build the error.

        Args:
            version: The version found in the payload.
            current: The newest version this library writes.
        """
        self.version = version
        self.current = current
        super().__init__(
            [("version", f"format version {version!r} is not supported (newest known: {current})")]
        )


class SnapshotEncodeError(PersistenceError, TypeError):
    """A record holds a value the persisted format cannot store (a set, a naive datetime...)."""

    def __init__(self, path: str, problem: str) -> None:
        """
        Build the error.

        Args:
            path: Where the value sits inside the record, dotted (``state.when``); empty
                for the record itself.
            problem: What is wrong with the value.
        """
        self.path = path
        self.problem = problem
        where = f" at {path}" if path else ""
        super().__init__(f"cannot persist the value{where}: {problem}")


class InvalidSessionIdError(PersistenceError, ValueError):
    """A session id is empty, too long, or could escape the store's directory."""

    def __init__(self, session_id: object, reason: str) -> None:
        """
        Build the error.

        Args:
            session_id: The id that was refused.
            reason: Why it was refused.
        """
        self.session_id = session_id
        self.reason = reason
        super().__init__(f"invalid session id {session_id!r}: {reason}")


class InvalidWriteError(PersistenceError, ValueError):
    """A store write was given a document that is not JSON text, or a bad expected version."""

    def __init__(self, session_id: str, argument: str, reason: str) -> None:
        """
        Build the error.

        Args:
            session_id: The session the write was for.
            argument: The refused argument (``"document"`` or ``"expected_version"``).
            reason: What is wrong with it.
        """
        self.session_id = session_id
        self.argument = argument
        self.reason = reason
        super().__init__(f"cannot write session {session_id!r}: {argument} {reason}")


class SessionNotFoundError(PersistenceError, KeyError):
    """No session with that id is stored."""

    def __init__(self, session_id: str) -> None:
        """
        Build the error.

        Args:
            session_id: The id that was looked up.
        """
        self.session_id = session_id
        super().__init__(f"no session {session_id!r} in the store")

    def __str__(self) -> str:
        """Return the message, not the quoted repr that ``KeyError`` would give."""
        return str(self.args[0])


class CorruptSessionError(PersistenceError):
    """A stored session cannot be read back; ``cause`` says why."""

    def __init__(self, session_id: str, cause: str) -> None:
        """
        Build the error.

        Args:
            session_id: The session that could not be read.
            cause: What was wrong with it.
        """
        self.session_id = session_id
        self.cause = cause
        super().__init__(f"stored session {session_id!r} is corrupt: {cause}")


class SessionConflictError(PersistenceError):
    """A versioned write lost: the session changed since the writer read it."""

    def __init__(self, session_id: str, expected: int, actual: int | None) -> None:
        """
        Build the error.

        Args:
            session_id: The session written to.
            expected: The version the writer read and expected to replace.
            actual: The version actually stored (``None`` when the session is gone).
        """
        self.session_id = session_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"session {session_id!r} changed since it was read: expected version {expected}, "
            f"found {actual}; another writer resumed or saved it"
        )


class StoreUnavailableError(PersistenceError):
    """The service behind a session store cannot be reached or timed out."""
