"""
The Lua scripts of the Redis-backed registry: every step on a limit is one atomic script.

Keys of one limit ``N`` under the prefix ``P`` (``P`` is ``agentcharts:limits`` by default):

- ``P:epoch``: a random value written once; a registry remembers it, and a script that
  finds another value (or none) refuses to run, because Redis lost its data (a restart
  without persistence, a flush) and every slot it counted is gone.
- ``P:limit:N``: the limit (absent means unlimited).
- ``P:holders:N``: a sorted set of holder tokens scored by lease expiry (Redis time, ms).
- ``P:queue:N``: a sorted set of waiter tokens scored by ticket: the FIFO queue.
- ``P:waiters:N``: the same waiter tokens scored by the expiry of their place in the queue.
- ``P:ticket:N``: the ticket counter.
- ``P:wake:R``: registry ``R``'s list of grants (``"token|name"``), popped with ``BLPOP``.

A token is ``"R:LEASE_MS:SEQ"``: the registry that owns it, its lease length, a counter.
Every script first drops expired holders and waiters, so a crashed process's slot comes
back once its lease runs out, and admits waiters from the head of the queue while slots
are free, pushing each grant to its registry's wake list (direct hand-off, first come,
first served). Times come from Redis (``TIME``), so hosts' clocks never matter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from redis import Redis
    from redis.commands.core import Script

__all__ = ["GRANTED", "LOST", "WAITING", "LimitScripts", "StateLostError"]

WAITING: Final = 0
"""A token waits in the queue."""
GRANTED: Final = 1
"""A token holds a slot."""
LOST: Final = 2
"""A token is neither waiting nor holding: its lease ran out (or, on try, no slot is free)."""

_PRELUDE = """
local epoch_key, limit_key, holders, queue, waiters, ticket =
    KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local name, wake_prefix, wake_ttl = ARGV[2], ARGV[3], ARGV[4]
if redis.call('GET', epoch_key) ~= ARGV[1] then return {-1} end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function lease_of(token)
    return tonumber(string.match(token, '^%x+:(%d+):'))
end

local function purge()
    redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
    for _, token in ipairs(redis.call('ZRANGEBYSCORE', waiters, '-inf', now)) do
        redis.call('ZREM', queue, token)
        redis.call('ZREM', waiters, token)
    end
end

local function admit()
    local limit = tonumber(redis.call('GET', limit_key))
    while limit == nil or redis.call('ZCARD', holders) < limit do
        local head = redis.call('ZRANGE', queue, 0, 0)
        if #head == 0 then return end
        local token = head[1]
        redis.call('ZREM', queue, token)
        redis.call('ZREM', waiters, token)
        redis.call('ZADD', holders, now + lease_of(token), token)
        local wake = wake_prefix .. string.match(token, '^(%x+):')
        redis.call('RPUSH', wake, token .. '|' .. name)
        redis.call('PEXPIRE', wake, wake_ttl)
    end
end

purge()
admit()
"""

_ACQUIRE = """
local token, wait = ARGV[5], ARGV[6] == 'wait'
if redis.call('ZSCORE', holders, token) then return {1} end
if redis.call('ZSCORE', queue, token) then
    redis.call('ZADD', waiters, now + lease_of(token), token)
    return {0}
end
local limit = tonumber(redis.call('GET', limit_key))
if redis.call('ZCARD', queue) == 0 and (limit == nil or redis.call('ZCARD', holders) < limit) then
    redis.call('ZADD', holders, now + lease_of(token), token)
    return {1}
end
if not wait then return {2} end
redis.call('ZADD', queue, redis.call('INCR', ticket), token)
redis.call('ZADD', waiters, now + lease_of(token), token)
return {0}
"""

_RELEASE = """
local released = redis.call('ZREM', holders, ARGV[5])
local withdrawn = redis.call('ZREM', queue, ARGV[5])
redis.call('ZREM', waiters, ARGV[5])
admit()
return {released, withdrawn}
"""

_RENEW = """
local found = {}
for i = 5, #ARGV do
    local token = ARGV[i]
    if redis.call('ZSCORE', holders, token) then
        redis.call('ZADD', holders, 'XX', now + lease_of(token), token)
        found[#found + 1] = 1
    elseif redis.call('ZSCORE', queue, token) then
        redis.call('ZADD', waiters, 'XX', now + lease_of(token), token)
        found[#found + 1] = 0
    else
        found[#found + 1] = 2
    end
end
return found
"""

_CONFIGURE = """
if ARGV[5] == '' then
    redis.call('DEL', limit_key)
else
    redis.call('SET', limit_key, ARGV[5])
end
admit()
return {1}
"""

_STATS = """
return {tonumber(redis.call('GET', limit_key)) or 0, redis.call('ZCARD', holders),
        redis.call('ZCARD', queue)}
"""

_BIND = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return ARGV[1] end
return redis.call('GET', KEYS[1])
"""


class StateLostError(Exception):
    """Redis no longer holds the epoch a registry bound to: its data was lost."""


class LimitScripts:
    """
    The registry's atomic steps, each one Lua script call on one limit's keys.

    Every method may raise ``redis.RedisError`` (unreachable, timed out) and
    :class:`StateLostError`; translating them is the registry's job.
    """

    def __init__(self, client: Redis, prefix: str, registry_id: str, wake_ttl_ms: int) -> None:
        """
        Register the scripts on a client.

        Args:
            client: The Redis client (``decode_responses=True``).
            prefix: The key prefix.
            registry_id: The owning registry's id (hex), the ``R`` of its tokens.
            wake_ttl_ms: How long a wake list lives after its last grant, in ms.
        """
        self._prefix = prefix
        self._epoch: str | None = None
        self.wake_key = f"{prefix}:wake:{registry_id}"
        """The registry's list of grants."""
        self._wake_ttl = str(wake_ttl_ms)
        self._scripts: dict[str, Script] = {
            op: client.register_script(_PRELUDE + body)
            for op, body in {
                "acquire": _ACQUIRE,
                "release": _RELEASE,
                "renew": _RENEW,
                "configure": _CONFIGURE,
                "stats": _STATS,
            }.items()
        }
        self._bind = client.register_script(_BIND)

    def bind(self, candidate: str) -> str:
        """
        Remember the epoch of the data in Redis, writing ``candidate`` if there is none.

        Args:
            candidate: A fresh random epoch, used when Redis holds none yet.

        Returns:
            The epoch now bound.
        """
        if self._epoch is None:
            epoch = self._bind(keys=[f"{self._prefix}:epoch"], args=[candidate])
            self._epoch = str(epoch)
        return self._epoch

    def _run(self, op: str, name: str, *args: str) -> list[int]:
        prefix = self._prefix
        keys = [f"{prefix}:epoch"] + [
            f"{prefix}:{kind}:{name}" for kind in ("limit", "holders", "queue", "waiters", "ticket")
        ]
        head = [self._epoch or "", name, f"{prefix}:wake:", self._wake_ttl]
        result: Any = self._scripts[op](keys=keys, args=[*head, *args])
        values = [int(value) for value in result]
        if values[:1] == [-1]:
            raise StateLostError
        return values

    def acquire(self, name: str, token: str, *, wait: bool) -> int:
        """Take a slot or (with ``wait``) a place in the queue; return the token's state."""
        return self._run("acquire", name, token, "wait" if wait else "try")[0]

    def release(self, name: str, token: str) -> tuple[bool, bool]:
        """Give a slot back or withdraw a waiter; return ``(was holding, was waiting)``."""
        released, withdrawn = self._run("release", name, token)
        return bool(released), bool(withdrawn)

    def renew(self, name: str, tokens: list[str]) -> list[int]:
        """Extend the leases of holders and waiters; return each token's state."""
        return self._run("renew", name, *tokens)

    def configure(self, name: str, limit: int | None) -> None:
        """Set a limit (``None`` removes it) and admit the waiters it lets in."""
        self._run("configure", name, "" if limit is None else str(limit))

    def stats(self, name: str) -> tuple[int | None, int, int]:
        """Return ``(limit or None, holders, waiters)``."""
        limit, held, waiting = self._run("stats", name)
        return (limit or None), held, waiting
