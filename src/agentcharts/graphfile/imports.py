"""
Import the Python objects a graph file names: ``module:name`` or ``package.module.name``.

Before importing, the graph file's own directory is put on ``sys.path`` (once), so a tool
module next to the graph file is found without installing it.

.. versionadded:: 0.1
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pathlib

__all__ = ["ImportPathError", "add_search_path", "import_object"]


class ImportPathError(ImportError):
    """An import path cannot be imported; the message says why."""


def add_search_path(directory: pathlib.Path) -> None:
    """
    Put a directory at the front of ``sys.path``, unless it is there already.

    Args:
        directory: The directory (typically the graph file's).
    """
    entry = str(directory.resolve())
    if entry not in sys.path:
        sys.path.insert(0, entry)


def import_object(path: str) -> Any:
    """
    Import the object an import path names.

    ``module:name`` imports ``module`` and reads ``name`` (which may be dotted, for a class
    attribute); ``package.module.name`` imports everything up to the last dot.

    Args:
        path: The import path.

    Returns:
        The object.

    Raises:
        ImportPathError: The module cannot be imported (it is missing or raised while
            loading), or has no such attribute.
    """
    if ":" in path:
        module_name, attribute = path.split(":", 1)
    else:
        module_name, _, attribute = path.rpartition(".")
    if not module_name or not attribute:
        msg = f"cannot import {path!r}: expected 'module:name' or 'module.name'"
        raise ImportPathError(msg)
    try:
        target: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        msg = f"cannot import {path!r}: no module named {error.name!r}"
        raise ImportPathError(msg) from None
    except Exception as error:  # noqa: BLE001 - any error while loading user code
        raised = f"{type(error).__name__}: {error}"
        msg = f"cannot import {path!r}: importing {module_name!r} raised {raised}"
        raise ImportPathError(msg) from None
    walked = module_name
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            msg = f"cannot import {path!r}: {walked!r} has no attribute {part!r}"
            raise ImportPathError(msg) from None
        walked = f"{walked}.{part}"
    return target
