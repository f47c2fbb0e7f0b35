"""Fixtures of the scale-out tests: the PostgreSQL and Redis servers.

The servers come from AGENTCHARTS_TEST_POSTGRES_DSN and AGENTCHARTS_TEST_REDIS_URL (by
default the local ones). A server that does not answer fails the test with a message saying
how to start it; these tests never skip.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
import redis
from scaleout_support import POSTGRES_DSN, REDIS_URL, unreachable


@pytest.fixture
def redis_client():
    """A client of the test Redis server."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        unreachable("Redis", REDIS_URL, "AGENTCHARTS_TEST_REDIS_URL", error)
    yield client
    client.close()


@pytest.fixture
def postgres_dsn():
    """The DSN of the test PostgreSQL server, once it answered."""
    try:
        psycopg.connect(POSTGRES_DSN, connect_timeout=3).close()
    except psycopg.Error as error:
        unreachable("PostgreSQL", POSTGRES_DSN, "AGENTCHARTS_TEST_POSTGRES_DSN", error)
    return POSTGRES_DSN


@pytest.fixture
def prefix(redis_client):
    """A Redis key prefix of the test's own; its keys are deleted afterwards."""
    value = f"agentcharts-test:{uuid.uuid4().hex[:12]}"
    yield value
    for key in redis_client.scan_iter(f"{value}:*"):
        redis_client.delete(key)
