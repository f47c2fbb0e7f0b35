"""Tests for `agentcharts.runtime.tools`."""

from __future__ import annotations

import json

import attrs
import pytest

from agentcharts.exceptions import InvalidSettingError
from agentcharts.runtime.retry import RetryPolicy
from agentcharts.runtime.tools import ToolConfig
from agentcharts.runtime.tools._tool import NOT_GIVEN, tool

POLICY = RetryPolicy(max_attempts=5, initial_delay_ms=10, max_delay_ms=100)


class TestToolConfig:
    def test_defaults(self):
        """No timeout, parallel calls, no retries, not idempotent."""
        config = ToolConfig()
        assert (None, True, None, False) == (
            config.timeout,
            config.parallel,
            config.retry_policy,
            config.idempotent,
        )

    def test_values_are_kept_as_given(self):
        """An int timeout stays an int, so the timeout message reads "30s"."""
        config = ToolConfig(timeout=30, parallel=False, retry_policy=POLICY, idempotent=True)
        assert 30 == config.timeout
        assert isinstance(config.timeout, int)
        assert POLICY is config.retry_policy

    def test_frozen(self):
        """A config cannot be changed in place."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            ToolConfig().timeout = 3  # type: ignore[misc]

    @pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), True, "30"])
    def test_timeout_validation(self, bad):
        """A timeout is a positive finite number of seconds, or None."""
        with pytest.raises(InvalidSettingError, match="timeout must be"):
            ToolConfig(timeout=bad)

    @pytest.mark.parametrize(
        ("field", "value"),
        [("parallel", 1), ("idempotent", "yes"), ("retry_policy", {"max_attempts": 2})],
    )
    def test_other_fields_are_validated(self, field, value):
        """parallel and idempotent are bools; retry_policy is a RetryPolicy or None."""
        with pytest.raises(InvalidSettingError, match=f"{field} must be"):
            ToolConfig(**{field: value})


class TestOverride:
    def test_only_given_values_replace(self):
        """Options left out keep their values."""
        base = ToolConfig(timeout=30, retry_policy=POLICY, parallel=False)
        changed = base.override(idempotent=True)
        assert ToolConfig(timeout=30, retry_policy=POLICY, parallel=False, idempotent=True) == (
            changed
        )
        assert base.override(timeout=2.5).timeout == 2.5
        assert base.override(timeout=2.5).retry_policy is POLICY

    def test_none_clears(self):
        """An explicit None clears the timeout or turns retries off."""
        base = ToolConfig(timeout=30, retry_policy=POLICY)
        assert base.override(timeout=None).timeout is None
        assert base.override(retry_policy=None).retry_policy is None
        assert 30 == base.override(retry_policy=None).timeout

    def test_nothing_given_returns_the_same_config(self):
        """override() with nothing, or with NOT_GIVEN, changes nothing."""
        base = ToolConfig(timeout=3)
        assert base is base.override()
        assert base is base.override(timeout=NOT_GIVEN)

    def test_overrides_from_a_tool(self):
        """A tool's overrides() merge over the agent's config."""

        @tool(timeout=None, idempotent=True)
        def fetch(url: str) -> str:
            """Fetch."""
            return url

        merged = ToolConfig(timeout=30, retry_policy=POLICY).override(**fetch.overrides())
        assert ToolConfig(timeout=None, retry_policy=POLICY, idempotent=True) == merged

    def test_override_validates(self):
        """An invalid override raises like the constructor."""
        with pytest.raises(InvalidSettingError, match="timeout"):
            ToolConfig().override(timeout=-1)


class TestDictForm:
    def test_round_trip_through_json(self):
        """to_dict is JSON-ready and from_dict reads it back, the retry policy included."""
        config = ToolConfig(timeout=0.5, parallel=False, retry_policy=POLICY, idempotent=True)
        data = json.loads(json.dumps(config.to_dict()))
        assert {
            "timeout": 0.5,
            "parallel": False,
            "retry_policy": POLICY.to_dict(),
            "idempotent": True,
        } == data
        assert config == ToolConfig.from_dict(data)
        assert ToolConfig() == ToolConfig.from_dict(ToolConfig().to_dict())

    def test_from_dict_defaults_and_policy_objects(self):
        """Missing keys take defaults; retry_policy may already be a RetryPolicy."""
        assert ToolConfig(timeout=3) == ToolConfig.from_dict({"timeout": 3})
        assert POLICY is ToolConfig.from_dict({"retry_policy": POLICY}).retry_policy

    def test_from_dict_refuses_unknown_keys(self):
        """A key that is not a field raises InvalidSettingError."""
        with pytest.raises(InvalidSettingError, match="'tool_timeout'"):
            ToolConfig.from_dict({"tool_timeout": 3})

    def test_from_dict_validates_the_policy(self):
        """A nested policy is validated, unknown keys included."""
        with pytest.raises(InvalidSettingError, match="'retries'"):
            ToolConfig.from_dict({"retry_policy": {"retries": 3}})
        with pytest.raises(InvalidSettingError, match="max_attempts"):
            ToolConfig.from_dict({"retry_policy": {"max_attempts": 0}})

    def test_from_dict_needs_a_mapping(self):
        """Only a mapping is accepted."""
        with pytest.raises(InvalidSettingError, match="tool_config"):
            ToolConfig.from_dict("timeout=3")  # type: ignore[arg-type]
