"""
The command's session store, and the run record that remembers each session's graph file.

The store is ``./.agentcharts/sessions.db`` (SQLite) unless ``--store PATH`` or the
``AGENTCHARTS_STORE`` environment variable says otherwise; a path that is a directory (or
ends with ``/``) is a file store instead. Next to the store, the directory ``<store>.runs/``
holds one small JSON file per session started by ``agentcharts run``: the graph file, the
task and the ``--tool-timeout``, so ``agentcharts resume SESSION`` can rebuild the graph.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import tempfile
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from attrs import asdict, frozen

from agentcharts.cli._console import CommandError
from agentcharts.exceptions import SessionNotFoundError
from agentcharts.runtime.graph import load_stored_session
from agentcharts.runtime.sessions import FileSessionStore, SQLiteSessionStore, validate_session_id

if TYPE_CHECKING:
    from agentcharts.runtime.sessions import SessionStore, StoredSession
    from agentcharts.schemas.records import SessionRecord

__all__ = [
    "DEFAULT_STORE",
    "RUN_FORMAT",
    "STORE_ENV",
    "RunInfo",
    "StoreRef",
    "new_session_id",
]

DEFAULT_STORE: Final = pathlib.Path(".agentcharts") / "sessions.db"
"""The store used when neither ``--store`` nor ``AGENTCHARTS_STORE`` is given."""

STORE_ENV: Final = "AGENTCHARTS_STORE"
"""The environment variable that names the store."""

RUN_FORMAT: Final = "agentcharts.cli-run"
"""The ``format`` of a run record."""


@frozen
class RunInfo:
    """What ``agentcharts run`` remembers about a session, to resume and draw it later."""

    session_id: str
    """The session."""
    graph_file: str
    """The graph file, as an absolute path."""
    task: str
    """The task the run started with."""
    tool_timeout: float | None = None
    """The ``--tool-timeout`` given to ``run``, reused by ``resume`` unless overridden."""
    created_at: str = ""
    """When the run started (ISO 8601, UTC)."""


def new_session_id(graph_id: str) -> str:
    """
    Make a fresh session id from the graph's name and the time.

    Args:
        graph_id: The graph's name.

    Returns:
        ``<name>-<YYYYmmdd-HHMMSS>-<4 hex digits>``, a valid session id.
    """
    stem = graph_id.lstrip("_-")[:60] or "graph"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return validate_session_id(f"{stem}-{stamp}-{os.urandom(2).hex()}")


class StoreRef:
    """The store the command uses: its path, how the user named it, and its run records."""

    def __init__(self, given: str | None) -> None:
        """
        Pick the store: ``--store``, else ``AGENTCHARTS_STORE``, else the default.

        Args:
            given: The ``--store`` value, if any.
        """
        chosen = given or os.environ.get(STORE_ENV) or None
        self.explicit = chosen is not None
        """Whether the store was chosen (so resume hints must name it)."""
        self.given = chosen or str(DEFAULT_STORE)
        """The store's path as the user named it."""
        self.path = pathlib.Path(self.given)
        """The store's path."""
        self.is_directory = self.path.is_dir() or self.given.endswith(("/", os.sep))
        """Whether it is a file store (a directory) rather than a SQLite database."""
        self._store: SessionStore | None = None

    @property
    def exists(self) -> bool:
        """Whether the store is there already."""
        return self.path.exists()

    def open(self) -> SessionStore:
        """Open (and create, if needed) the store."""
        if self._store is None:
            if self.is_directory:
                self._store = FileSessionStore(self.path)
            else:
                self._store = SQLiteSessionStore(self.path)
        return self._store

    def close(self) -> None:
        """Close the store, if it was opened."""
        store, self._store = self._store, None
        close = getattr(store, "close", None)
        if close is not None:
            close()

    def option(self) -> str:
        """The ``--store`` option to repeat in a hint ("" for the default store)."""
        return f" --store {self.given}" if self.explicit else ""

    def load(self, session_id: str) -> tuple[StoredSession, SessionRecord]:
        """
        Read a session and decode it.

        Raises:
            CommandError: No such session (or no store yet).
            CorruptSessionError: The session cannot be decoded.
        """
        validate_session_id(session_id)
        if not self.exists:
            raise CommandError(f"no session {session_id!r}: the store {self.given} does not exist")
        try:
            stored = self.open().load(session_id)
        except SessionNotFoundError:
            msg = f"no session {session_id!r} in {self.given} (see: agentcharts sessions list)"
            raise CommandError(msg) from None
        return stored, load_stored_session(stored)

    # ------------------------------------------------------------------ run records

    @property
    def runs_directory(self) -> pathlib.Path:
        """Where the run records live: ``<store>.runs/`` next to the store."""
        return pathlib.Path(str(self.path).rstrip("/" + os.sep) + ".runs")

    def save_run(self, info: RunInfo) -> None:
        """Write a session's run record atomically."""
        directory = self.runs_directory
        directory.mkdir(parents=True, exist_ok=True)
        document = {"format": RUN_FORMAT, "version": 1, **asdict(info)}
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out, indent=2)
            pathlib.Path(temporary).replace(directory / f"{info.session_id}.json")
        except BaseException:
            with contextlib.suppress(OSError):
                pathlib.Path(temporary).unlink()
            raise

    def load_run(self, session_id: str) -> RunInfo | None:
        """
        Read a session's run record.

        Returns:
            The record, or ``None`` when the session has none (it was not started by
            ``agentcharts run``, or its record was removed).

        Raises:
            CommandError: The record exists but cannot be read.
        """
        file = self.runs_directory / f"{validate_session_id(session_id)}.json"
        try:
            data: Any = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read the run record {file}: {error}") from None
        if not isinstance(data, dict) or data.get("format") != RUN_FORMAT:
            raise CommandError(f"cannot read the run record {file}: not an {RUN_FORMAT} file")
        try:
            return RunInfo(
                session_id=str(data["session_id"]),
                graph_file=str(data["graph_file"]),
                task=str(data["task"]),
                tool_timeout=data.get("tool_timeout"),
                created_at=str(data.get("created_at", "")),
            )
        except KeyError as error:
            raise CommandError(f"cannot read the run record {file}: no {error}") from None
