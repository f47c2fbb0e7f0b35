"""
Concurrency limits held in Redis, shared by every process and host that reaches one server.

``RedisConcurrencyRegistry`` (``_registry``) has the in-process registry's API and errors. Its
link to Redis (``_backend``), the Lua scripts of each step (``_scripts``), the daemon thread that
renews leases (``_keeper``), the local leases and waiters (``_waiters``), the permits it hands
out (``_permits``) and its settings checks (``_settings``) each have a module. It needs the
``redis`` extra.
"""

from __future__ import annotations

from agentcharts.runtime.concurrency.redis._registry import RedisConcurrencyRegistry, RedisPermit

__all__ = ["RedisConcurrencyRegistry", "RedisPermit"]
