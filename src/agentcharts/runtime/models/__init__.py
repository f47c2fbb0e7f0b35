"""
Models: the protocol an agent calls, scripted models for tests and demos, and provider adapters.

``ScriptedModel`` and ``FunctionModel`` need no network. ``OpenAICompatibleModel`` speaks the
OpenAI chat-completions wire format and needs the ``openai`` extra (httpx), imported only
when such a model is built.
"""

from __future__ import annotations

from agentcharts.runtime.models._protocol import (
    Model,
    ModelBase,
    ModelResponse,
    ModelStreamEvent,
    StopReason,
    TextDelta,
)
from agentcharts.runtime.models._turns import CHARS_PER_TOKEN, ToolCallSpec, Turn
from agentcharts.runtime.models.function import FunctionModel, TurnFunction
from agentcharts.runtime.models.openai import DEFAULT_BASE_URL, OpenAICompatibleModel
from agentcharts.runtime.models.scripted import ScriptedModel

__all__ = [
    "CHARS_PER_TOKEN",
    "DEFAULT_BASE_URL",
    "FunctionModel",
    "Model",
    "ModelBase",
    "ModelResponse",
    "ModelStreamEvent",
    "OpenAICompatibleModel",
    "ScriptedModel",
    "StopReason",
    "TextDelta",
    "ToolCallSpec",
    "Turn",
    "TurnFunction",
]
