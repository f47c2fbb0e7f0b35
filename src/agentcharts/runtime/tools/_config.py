"""
How an agent runs its tools: the per-attempt timeout, parallelism, retries and idempotency.

.. versionadded:: 0.1
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final, Self

import attrs
from attrs import field, frozen

from agentcharts.exceptions import InvalidSettingError
from agentcharts.runtime.retry import RetryPolicy
from agentcharts.runtime.tools._tool import NOT_GIVEN, NotGiven

__all__ = ["ToolConfig"]


def _check_timeout(_: object, __: object, value: Any) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (math.isfinite(value) and value > 0)
    ):
        raise InvalidSettingError("timeout", value, "a positive number of seconds, or None")


def _check_bool(_: object, attribute: attrs.Attribute[bool], value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidSettingError(attribute.name, value, "True or False")


def _check_policy(_: object, __: object, value: Any) -> None:
    if value is not None and not isinstance(value, RetryPolicy):
        raise InvalidSettingError("retry_policy", value, "a RetryPolicy, or None")


@frozen
class ToolConfig:
    """
    An agent's settings for its tool calls; a tool's own options override them one by one.

    ``ToolConfig(timeout=30)`` gives every attempt 30 seconds, counted from the moment the
    tool starts (time spent queued does not count). A timed-out call returns
    ``{"error": "Tool timed out after 30s", "timeout": True}`` to the model.

    .. versionadded:: 0.1
    """

    timeout: float | None = field(default=None, validator=_check_timeout)
    """Seconds per attempt (a positive finite number), or ``None`` for no timeout."""
    parallel: bool = field(default=True, validator=_check_bool)
    """Whether the tool calls of one model turn run concurrently."""
    retry_policy: RetryPolicy | None = field(default=None, validator=_check_policy)
    """How failed attempts are retried, or ``None`` for no retries."""
    idempotent: bool = field(default=False, validator=_check_bool)
    """Whether a timed-out sync attempt, which may still be running, may be retried."""

    def override(
        self,
        *,
        timeout: float | NotGiven | None = NOT_GIVEN,
        retry_policy: RetryPolicy | NotGiven | None = NOT_GIVEN,
        idempotent: bool | NotGiven = NOT_GIVEN,
    ) -> Self:
        """
        Return a copy where only the options given replace this config's.

        An option left out keeps its value; ``None`` is a value (``timeout=None`` clears
        the timeout, ``retry_policy=None`` turns retries off).

        Args:
            timeout: The new timeout in seconds, or ``None`` for none.
            retry_policy: The new retry policy, or ``None`` for no retries.
            idempotent: The new idempotency flag.

        Returns:
            The new config (this one when nothing is given).

        Raises:
            InvalidSettingError: A value given is out of range.
        """
        changes: dict[str, Any] = {}
        if timeout is not NOT_GIVEN:
            changes["timeout"] = timeout
        if retry_policy is not NOT_GIVEN:
            changes["retry_policy"] = retry_policy
        if idempotent is not NOT_GIVEN:
            changes["idempotent"] = idempotent
        return attrs.evolve(self, **changes) if changes else self

    def to_dict(self) -> dict[str, Any]:
        """
        Return the config as JSON-ready data.

        Returns:
            One key per field; the retry policy as its own ``to_dict()`` (or ``None``).
        """
        policy = self.retry_policy
        return {
            "timeout": self.timeout,
            "parallel": self.parallel,
            "retry_policy": None if policy is None else policy.to_dict(),
            "idempotent": self.idempotent,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """
        Build a config from data like :meth:`to_dict`'s; missing keys take their defaults.

        Args:
            data: The fields by name; ``retry_policy`` may be a mapping, a ``RetryPolicy``
                or ``None``.

        Returns:
            The validated config.

        Raises:
            InvalidSettingError: ``data`` is not a mapping, has an unknown key, or a value
                is out of range.
        """
        if not isinstance(data, Mapping):
            raise InvalidSettingError("tool_config", data, "a mapping of ToolConfig fields")
        for key in data:
            if key not in _CONFIG_KEYS:
                raise InvalidSettingError(
                    "a tool_config key", key, "one of " + ", ".join(sorted(_CONFIG_KEYS))
                )
        values = dict(data)
        policy = values.get("retry_policy")
        if isinstance(policy, Mapping):
            values["retry_policy"] = RetryPolicy.from_dict(policy)
        return cls(**values)


_CONFIG_KEYS: Final = frozenset(a.name for a in attrs.fields(ToolConfig))
