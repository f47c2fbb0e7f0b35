"""Graphs, stores and child processes shared by the reliability tests.

The child processes are started from a ``forkserver`` that has already imported
agentcharts and this module, so a child costs a fork, not an interpreter start.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pathlib
import signal
import time

from agentcharts import (
    Agent,
    FileSessionStore,
    GraphBuilder,
    ScriptedModel,
    SessionConflictError,
    SQLiteSessionStore,
    Status,
    ToolContext,
    load_stored_session,
    tool,
)
from agentcharts.exceptions import SessionNotFoundError
from agentcharts.schemas.persisted import load_entry, load_session
from agentcharts.schemas.status import InterruptStatus

SESSION = "crash"
TASK = "plan the trip"
NODES = ("a", "b", "c", "n", "d")
"""``a -> (b, c, n) -> d``: b asks a human before its side effect, n is a nested graph of
two agents (``n1 -> n2``), d is the fan-in of the three branches."""
EFFECTS = ("a", "b", "c", "n1", "n2", "d")
"""The nodes that record a side effect (the nested graph's inner agents for n)."""


def context():
    """A multiprocessing context whose children fork from a server with our modules loaded."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["agentcharts", "reliability_helpers"])
    return ctx


def make_store(kind, folder):
    folder = pathlib.Path(folder)
    if kind == "file":
        return FileSessionStore(folder / "sessions")
    return SQLiteSessionStore(folder / "sessions.db")


def record_effect(effects, node):
    """Append one side effect (``node pid``) to the effects file, in one write."""
    line = f"{node} {os.getpid()}\n".encode()
    fd = os.open(effects, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read_effects(effects):
    """Every side effect so far, as ``(node, pid)`` pairs."""
    path = pathlib.Path(effects)
    if not path.exists():
        return []
    return [tuple(line.split()) for line in path.read_text().splitlines() if line]


def _agent(node, effects, *, ask):
    if ask:

        @tool(name="act", context=True)
        def act_after_approval(tool_context: ToolContext) -> str:
            """Act once a human approved."""
            answer = tool_context.interrupt("approve", reason=f"may {node} act?")
            record_effect(effects, node)
            return f"{node} acted ({answer})"

        chosen = act_after_approval
    else:

        @tool(name="act")
        def act() -> str:
            """Act."""
            record_effect(effects, node)
            return f"{node} acted"

        chosen = act
    model = ScriptedModel([[{"name": "act", "input": {}}], f"{node} done"])
    return Agent(name=node, model=model, tools=[chosen])


def build(store, effects):
    """The graph under test: a, then b, c and a nested graph n in parallel, then d."""
    nested = (
        GraphBuilder()
        .add_node(_agent("n1", effects, ask=False), "n1")
        .add_node(_agent("n2", effects, ask=False), "n2")
        .add_edge("n1", "n2")
        .build()
    )
    builder = GraphBuilder()
    for node in NODES:
        builder.add_node(nested if node == "n" else _agent(node, effects, ask=node == "b"), node)
    for source in ("b", "c", "n"):
        builder.add_edge("a", source).add_edge(source, "d")
    return builder.set_session(store, SESSION).build()


def answers(ids):
    """Resume input answering ``"yes"`` to each interrupt id."""
    return [{"interruptResponse": {"interruptId": i, "response": "yes"}} for i in ids]


def pending_ids(record):
    """The ids of the pending interrupts in a stored session."""
    found = [r.id for r in record.graph.interrupts if r.status is InterruptStatus.PENDING]
    for node in record.graph.nodes.values():
        if node.status is Status.INTERRUPTED and node.agent is not None:
            found.extend(r.id for r in node.agent.interrupts if r.status is InterruptStatus.PENDING)
    return found


class KillingStore:
    """Delegates to a store, and SIGKILLs its own process around its k-th write.

    Every write counts: a snapshot ``save``, a journal ``append`` or a ``compact``.
    """

    def __init__(self, inner, kill_at, when):
        self.inner = inner
        self.kill_at = kill_at
        self.when = when
        self.writes = 0

    def load(self, session_id):
        return self.inner.load(session_id)

    def _write(self, call):
        self.writes += 1
        if self.writes == self.kill_at and self.when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = call()
        if self.writes == self.kill_at and self.when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    def save(self, session_id, document, *, expected_version):
        return self._write(
            lambda: self.inner.save(session_id, document, expected_version=expected_version)
        )

    def append(self, session_id, entries, *, expected_version):
        return self._write(
            lambda: self.inner.append(session_id, entries, expected_version=expected_version)
        )

    def compact(self, session_id, document, *, version):
        return self._write(lambda: self.inner.compact(session_id, document, version=version))

    def delete(self, session_id, *, expected_version=None):
        self.inner.delete(session_id, expected_version=expected_version)

    def list_sessions(self):
        return self.inner.list_sessions()

    def exists(self, session_id):
        return self.inner.exists(session_id)


class CheckingStore(KillingStore):
    """Delegates to a store, and checks that every document and entry written loads back."""

    def __init__(self, inner):
        super().__init__(inner, kill_at=0, when="never")
        self.documents = 0

    def save(self, session_id, document, *, expected_version):
        load_session(document)
        self.documents += 1
        return super().save(session_id, document, expected_version=expected_version)

    def append(self, session_id, entries, *, expected_version):
        for entry in entries:
            load_entry(entry)
        self.documents += 1
        return super().append(session_id, entries, expected_version=expected_version)

    def compact(self, session_id, document, *, version):
        load_session(document)
        self.documents += 1
        return super().compact(session_id, document, version=version)


def record_ask(effects, ids):
    """Note, beside the effects, that these interrupts were answered."""
    with pathlib.Path(f"{effects}.asks").open("a", encoding="utf-8") as handle:
        handle.writelines(f"{i}\n" for i in ids)


def read_asks(effects):
    """Every interrupt id answered so far, once per answer."""
    path = pathlib.Path(f"{effects}.asks")
    return path.read_text(encoding="utf-8").split() if path.exists() else []


def run_to_completion(kind, folder, effects, kill_at, when):
    """Child: start the graph and answer its interrupts, killing itself at the k-th save."""
    store = KillingStore(make_store(kind, folder), kill_at, when)
    graph = build(store, effects)
    result = graph(TASK)
    while result.status is Status.INTERRUPTED:
        ids = [i.id for i in result.interrupts]
        record_ask(effects, ids)
        result = graph(answers(ids))
    os._exit(0 if result.status is Status.COMPLETED else 3)


def stored_status(store):
    """The stored graph status (loading the whole snapshot), or ``None`` with no session."""
    try:
        stored = store.load(SESSION)
    except SessionNotFoundError:
        return None, None
    record = load_stored_session(stored)
    return record.graph.status, record


def recover(kind, folder, effects, *, limit=6):
    """Finish the stored run from the store alone, as a fresh process would."""
    inner = make_store(kind, folder)
    store = CheckingStore(inner)
    graph = build(store, effects)
    try:
        for _ in range(limit):
            status, record = stored_status(store)
            if status is None:
                graph(TASK)
            elif status is Status.EXECUTING:
                graph(None)
            elif status is Status.INTERRUPTED:
                ids = pending_ids(record)
                record_ask(effects, ids)
                graph(answers(ids))
            else:
                break
        _, record = stored_status(store)
        return record, store.documents
    finally:
        close(inner)


def close(store):
    """Close a store that holds connections (SQLite)."""
    if hasattr(store, "close"):
        store.close()


# ---------------------------------------------------------------------------- two resumers


class BarrierStore(KillingStore):
    """Delegates to a store; after the first load, waits until the peer has loaded too."""

    def __init__(self, inner, folder, me, peer):
        super().__init__(inner, kill_at=0, when="never")
        self.folder = pathlib.Path(folder)
        self.me = me
        self.peer = peer
        self.loaded = False

    def load(self, session_id):
        stored = self.inner.load(session_id)
        if not self.loaded:
            self.loaded = True
            (self.folder / f"loaded-{self.me}").touch()
            deadline = time.monotonic() + 20
            while not (self.folder / f"loaded-{self.peer}").exists():
                if time.monotonic() > deadline:
                    os._exit(4)
                time.sleep(0.005)
        return stored


def resume_once(kind, folder, effects, interrupt_ids, *, me, peer, outcome):
    """Child: resume the interrupted session once; report ``completed`` or ``conflict``."""
    store = BarrierStore(make_store(kind, folder), folder, me, peer)
    graph = build(store, effects)
    try:
        result = graph(answers(interrupt_ids))
        text = result.status.value
    except SessionConflictError as error:
        text = f"conflict {error.expected} {error.actual}"
    except Exception as error:
        text = f"error {type(error).__name__}: {error}"
    pathlib.Path(outcome).write_text(json.dumps(text))
    os._exit(0)
