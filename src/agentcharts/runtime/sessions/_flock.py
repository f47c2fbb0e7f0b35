"""A per-session lock file held with ``flock``, shared by threads and processes.

``fcntl.flock`` locks an open file description, so two ``open()`` calls of one lock file
exclude each other whether they are in one process or two, and the kernel releases the
lock when its holder dies, even from ``SIGKILL``. Lock files are removed once their
session is gone; a locker checks, after it got the lock, that the path still names the
file it locked (same device and inode), and starts again if not, so removing a lock file
never lets two holders in.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

from agentcharts.exceptions import StoreUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["require_flock", "session_lock"]

if sys.platform != "win32":  # the file store is POSIX-only: see require_flock()
    import fcntl


def require_flock() -> None:
    """
    Fail early on a platform without ``flock``.

    Raises:
        StoreUnavailableError: The platform is Windows.
    """
    if sys.platform == "win32":  # pragma: no cover - the file store is POSIX-only
        raise StoreUnavailableError(
            "FileSessionStore needs POSIX flock; use SQLiteSessionStore on Windows"
        )


def _same_file(fd: int, path: Path) -> bool:
    """Tell whether ``path`` still names the file open as ``fd``."""
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


@contextlib.contextmanager
def session_lock(lock_path: Path, data_path: Path) -> Iterator[None]:
    """
    Hold the exclusive lock of one session for the duration of a ``with`` block.

    When the block ends and the session's data file does not exist, the lock file is
    removed (while still held), so deleted sessions leave nothing behind.

    Args:
        lock_path: The session's lock file (created when missing).
        data_path: The session's data file.

    Yields:
        Nothing; the lock is held inside the block.
    """
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _same_file(fd, lock_path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        try:
            if not data_path.exists():
                lock_path.unlink(missing_ok=True)
        finally:
            os.close(fd)
