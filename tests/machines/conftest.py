"""Fixtures for the lifecycle tests."""

from __future__ import annotations

import pytest
from machine_helpers import FixedClock

from agentcharts.machines import TransitionRecorder


@pytest.fixture
def recorder() -> TransitionRecorder:
    return TransitionRecorder(clock=FixedClock())
