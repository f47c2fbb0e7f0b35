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

_ENTRIES_SUFFIX: Final = "_entries"
"""The entries table is named after the sessions table: ``<table>_entries``."""
_MAX_TABLE = 63 - len(_ENTRIES_SUFFIX)
"""The longest table name that leaves room for the suffix in PostgreSQL's 63 characters."""

_CREATE = """
CREATE TABLE IF NOT EXISTS {table} (
    session_id text PRIMARY KEY,
    version bigint NOT NULL,
    document bytea NOT NULL,
    sha256 text NOT NULL,
    updated_at timestamptz NOT NULL
)
"""
_CREATE_ENTRIES = """
CREATE TABLE IF NOT EXISTS {entries} (
    session_id text NOT NULL,
    version bigint NOT NULL,
    entry bytea NOT NULL,
    sha256 text NOT NULL,
    PRIMARY KEY (session_id, version)
)
"""
# Each write but a delete is one statement, so one transaction: the compare-and-set UPDATE
# of the session's row (which locks it) feeds, through RETURNING, the statement on the
# entries; when the version does not match, nothing is returned and the entries are left
# alone. The entry rows a write removes were all committed before its snapshot was taken:
# entries and the version that covers them commit together, under the row's lock.
# An infinite timestamp cannot become a datetime: read it as NULL, which load reports as
# corrupt.
_STATEMENTS = {
    # the row (kind 0), then the entries (kind 1): one statement, one snapshot
    "load": (
        "SELECT 0, version, document, sha256, "
        "CASE WHEN isfinite(updated_at) THEN updated_at END FROM {table} WHERE session_id = %s "
        "UNION ALL SELECT 1, version, entry, sha256, NULL FROM {entries} WHERE session_id = %s"
    ),
    "version": "SELECT version FROM {table} WHERE session_id = %s",
    "insert": (
        "WITH created AS (INSERT INTO {table} (session_id, version, document, sha256, "
        "updated_at) VALUES (%s, 1, %s, %s, %s) ON CONFLICT (session_id) DO NOTHING "
        "RETURNING session_id), "
        # there are none, unless rows were left behind by hand
        "dropped AS (DELETE FROM {entries} AS e USING created "
        "WHERE e.session_id = created.session_id) "
        "SELECT count(*) FROM created"
    ),
    "update": (
        "WITH saved AS (UPDATE {table} SET version = %s, document = %s, sha256 = %s, "
        "updated_at = GREATEST(%s, updated_at) WHERE session_id = %s AND version = %s "
        "RETURNING session_id), "
        "dropped AS (DELETE FROM {entries} AS e USING saved "
        "WHERE e.session_id = saved.session_id) "
        "SELECT count(*) FROM saved"
    ),
    "append": (
        "WITH bumped AS (UPDATE {table} SET version = %s, updated_at = GREATEST(%s, updated_at) "
        "WHERE session_id = %s AND version = %s RETURNING session_id) "
        "INSERT INTO {entries} (session_id, version, entry, sha256) "
        "SELECT bumped.session_id, %s::bigint + e.n, e.entry, e.sha256 FROM bumped, "
        "unnest(%s::bytea[], %s::text[]) WITH ORDINALITY AS e(entry, sha256, n)"
    ),
    "compact": (
        "WITH compacted AS (UPDATE {table} SET document = %s, sha256 = %s, "
        "updated_at = GREATEST(%s, updated_at) WHERE session_id = %s AND version = %s "
        "RETURNING session_id), "
        "dropped AS (DELETE FROM {entries} AS e USING compacted "
        "WHERE e.session_id = compacted.session_id) "
        "SELECT count(*) FROM compacted"
    ),
    # a delete is a transaction of two statements: the row first, which locks it, then the
    # entries, read after any append that held the lock before has committed
    "delete": "DELETE FROM {table} WHERE session_id = %s",
    "delete_at": "DELETE FROM {table} WHERE session_id = %s AND version = %s",
    "drop_entries": "DELETE FROM {entries} WHERE session_id = %s",
    "list": (
        "SELECT session_id, version, CASE WHEN isfinite(updated_at) THEN updated_at END, "
        "octet_length(document) + coalesce((SELECT sum(octet_length(entry)) FROM {entries} "
        "AS e WHERE e.session_id = s.session_id), 0) FROM {table} AS s"
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
        InvalidSettingError: It is not a lowercase SQL name, optionally schema-qualified,
            or the table's own name is longer than 55 characters (its entries table,
            ``<table>_entries``, must fit in PostgreSQL's 63).
    """
    parts = table.split(".") if isinstance(table, str) else []
    if (
        not 1 <= len(parts) <= 2  # noqa: PLR2004 - table or schema.table
        or not all(_IDENTIFIER.fullmatch(part) for part in parts)
        or len(parts[-1]) > _MAX_TABLE
    ):
        raise InvalidSettingError(
            "table",
            table,
            f"a lowercase SQL name ([a-z_][a-z0-9_]*, at most {_MAX_TABLE} characters, so "
            f"that '<table>{_ENTRIES_SUFFIX}' fits in 63), optionally schema-qualified as "
            "'schema.table'",
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
        entries = (*parts[:-1], parts[-1] + _ENTRIES_SUFFIX)
        names = {
            "table": psycopg.sql.Identifier(*parts),
            "entries": psycopg.sql.Identifier(*entries),
        }
        self.entries = ".".join(entries)
        """The entries table's name, ``<table>_entries`` (in the table's schema)."""
        self.creates: tuple[tuple[str, Composed], ...] = (
            (".".join(parts), psycopg.sql.SQL(_CREATE).format(**names)),
            (self.entries, psycopg.sql.SQL(_CREATE_ENTRIES).format(**names)),
        )
        """Each table's name and its ``CREATE TABLE IF NOT EXISTS ...``."""
        self.text: dict[str, Composed] = {
            key: psycopg.sql.SQL(text).format(**names) for key, text in _STATEMENTS.items()
        }
        """The statements of the store's operations, by name."""
        digest = hashlib.sha256(f"agentcharts.sessions:{'.'.join(parts)}".encode()).digest()
        self.lock_key = int.from_bytes(digest[:8], "big", signed=True)
        """The advisory lock key that serializes creating the table."""
