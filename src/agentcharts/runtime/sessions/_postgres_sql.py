"""The SQL of the PostgreSQL session store, and the checks of its settings."""

from __future__ import annotations

import hashlib
import math
import re
from typing import TYPE_CHECKING, Any, Final

from agentcharts.exceptions import DefinitionError, InvalidSettingError

if TYPE_CHECKING:
    from types import ModuleType

    from psycopg.sql import Composed

__all__ = [
    "DEFAULT_TABLE",
    "Statements",
    "check_seconds",
    "check_table",
    "connection_params",
    "import_psycopg",
]

DEFAULT_TABLE: Final = "agentcharts_sessions"
"""The table a store uses unless told otherwise."""

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_KEEPALIVES = {"keepalives": "1", "keepalives_idle": "5", "keepalives_interval": "2"}
_MIN_CONNECT_S = 2
"""libpq's shortest connect timeout, in whole seconds."""

_CREATE = """
CREATE TABLE IF NOT EXISTS {table} (
    session_id text PRIMARY KEY,
    version bigint NOT NULL,
    document bytea NOT NULL,
    sha256 text NOT NULL,
    updated_at timestamptz NOT NULL
)
"""
# an infinite timestamp cannot become a datetime: read it as NULL, which load reports as corrupt
_STATEMENTS = {
    "load": (
        "SELECT version, document, sha256, CASE WHEN isfinite(updated_at) THEN updated_at END "
        "FROM {table} WHERE session_id = %s"
    ),
    "version": "SELECT version FROM {table} WHERE session_id = %s",
    "insert": (
        "INSERT INTO {table} (session_id, version, document, sha256, updated_at) "
        "VALUES (%s, 1, %s, %s, %s) ON CONFLICT (session_id) DO NOTHING"
    ),
    "update": (
        "UPDATE {table} SET version = %s, document = %s, sha256 = %s, "
        "updated_at = GREATEST(%s, updated_at) WHERE session_id = %s AND version = %s"
    ),
    "delete": "DELETE FROM {table} WHERE session_id = %s",
    "delete_at": "DELETE FROM {table} WHERE session_id = %s AND version = %s",
    "list": (
        "SELECT session_id, version, CASE WHEN isfinite(updated_at) THEN updated_at END, "
        "octet_length(document) FROM {table}"
    ),
    "exists": "SELECT 1 FROM {table} WHERE session_id = %s",
}


def import_psycopg() -> ModuleType:
    """
    Import psycopg 3.

    Returns:
        The ``psycopg`` module.

    Raises:
        DefinitionError: It is not installed; the message names the extra to install.
    """
    try:
        import psycopg  # noqa: PLC0415 - an optional dependency, imported when first needed
    except ImportError as error:
        raise DefinitionError(
            "PostgresSessionStore needs psycopg 3: pip install 'agentcharts[postgres]'"
        ) from error
    return psycopg


def check_seconds(setting: str, value: object) -> float:
    """
    Check a timeout setting.

    Args:
        setting: The setting's name.
        value: What the caller passed.

    Returns:
        The timeout as a float.

    Raises:
        InvalidSettingError: It is not a positive, finite number of seconds.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (math.isfinite(value) and value > 0)
    ):
        raise InvalidSettingError(setting, value, "a positive number of seconds")
    return float(value)


def check_table(table: object) -> tuple[str, ...]:
    """
    Check a table name.

    Args:
        table: What the caller passed.

    Returns:
        ``(table,)`` or ``(schema, table)``.

    Raises:
        InvalidSettingError: It is not a lowercase SQL name, optionally schema-qualified.
    """
    parts = table.split(".") if isinstance(table, str) else []
    if not 1 <= len(parts) <= 2 or not all(_IDENTIFIER.fullmatch(part) for part in parts):  # noqa: PLR2004 - table or schema.table
        raise InvalidSettingError(
            "table",
            table,
            "a lowercase SQL name ([a-z_][a-z0-9_]*, at most 63 characters), "
            "optionally schema-qualified as 'schema.table'",
        )
    return tuple(parts)


def connection_params(
    psycopg: ModuleType, dsn: object, connect_timeout: object
) -> tuple[dict[str, Any], str]:
    """
    Parse a DSN and add the store's connection settings.

    Args:
        psycopg: The ``psycopg`` module.
        dsn: What the caller passed as the DSN.
        connect_timeout: What the caller passed as the connect timeout.

    Returns:
        The connection parameters, and ``user@host:port/dbname`` for messages.

    Raises:
        InvalidSettingError: The DSN cannot be parsed, or the timeout is not positive.
    """
    if not isinstance(dsn, str) or not dsn.strip():
        raise InvalidSettingError("dsn", dsn, "a PostgreSQL connection string or URL")
    seconds = check_seconds("connect_timeout", connect_timeout)
    try:
        params: dict[str, Any] = dict(psycopg.conninfo.conninfo_to_dict(dsn))
    except psycopg.Error:
        raise InvalidSettingError(
            "dsn", "<unparsable>", "a PostgreSQL connection string or URL"
        ) from None
    for key, value in _KEEPALIVES.items():
        params.setdefault(key, value)
    params["connect_timeout"] = str(max(_MIN_CONNECT_S, math.ceil(seconds)))
    where = "{}@{}:{}/{}".format(
        params.get("user") or "",
        params.get("host") or params.get("hostaddr") or "localhost",
        params.get("port") or 5432,
        params.get("dbname") or "",
    )
    return params, where


class Statements:
    """The store's statements for one table, composed once with the table's quoted name."""

    def __init__(self, psycopg: ModuleType, parts: tuple[str, ...]) -> None:
        """
        Compose the statements.

        Args:
            psycopg: The ``psycopg`` module.
            parts: The table name, as :func:`check_table` returns it.
        """
        identifier = psycopg.sql.Identifier(*parts)
        self.create: Composed = psycopg.sql.SQL(_CREATE).format(table=identifier)
        """``CREATE TABLE IF NOT EXISTS ...``."""
        self.text: dict[str, Composed] = {
            key: psycopg.sql.SQL(text).format(table=identifier) for key, text in _STATEMENTS.items()
        }
        """The statements of the store's operations, by name."""
        digest = hashlib.sha256(f"agentcharts.sessions:{'.'.join(parts)}".encode()).digest()
        self.lock_key = int.from_bytes(digest[:8], "big", signed=True)
        """The advisory lock key that serializes creating the table."""
