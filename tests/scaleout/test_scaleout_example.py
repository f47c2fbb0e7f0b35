"""Tests for the worked example of `docs/guides/many-hosts.md`, run as two real processes."""

from __future__ import annotations

import os
import pathlib
import uuid

import psycopg
import pytest
from example_runner import blocks
from scaleout_support import POSTGRES_DSN, REDIS_URL, finish, start

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "guides" / "many-hosts.md"
DEFINITIONS, HOST_A, HOST_B, CLEAN_UP = range(4)


def stored_session(session_id):
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as connection:
        return connection.execute(
            "SELECT version FROM agentcharts_sessions WHERE session_id = %s", (session_id,)
        ).fetchone()


class TestWorkedExample:
    def test_the_page_has_the_four_blocks(self):
        """The example is the page's four python blocks: definitions, host A, host B, clean-up."""
        page = blocks(PAGE)
        assert 4 == len(page)
        assert "def build_graph" in page[DEFINITIONS]
        assert "set_limit" in page[HOST_A]
        assert "interruptResponse" in page[HOST_B]
        assert "delete(SESSION)" in page[CLEAN_UP]

    def test_interrupted_on_one_process_resumed_on_another(self, postgres_dsn, redis_client):
        """Host A stops for the editor; host B, another process, resumes and completes it."""
        run = uuid.uuid4().hex[:8]
        env = {**os.environ, "RUN": run, "POSTGRES_DSN": postgres_dsn, "REDIS_URL": REDIS_URL}
        prefix = f"guide-{run}:limits"
        try:
            host_a = start("example_runner.py", PAGE, DEFINITIONS, HOST_A, env=env)
            assert "waiting for an editor: {'summary': 'Q3 went well'}" in finish(host_a)
            assert stored_session(f"report-{run}") is not None
            assert "2" == redis_client.get(f"{prefix}:limit:researcher")

            host_b = start("example_runner.py", PAGE, DEFINITIONS, HOST_B, CLEAN_UP, env=env)
            assert "report: Published." in finish(host_b)
            assert stored_session(f"report-{run}") is None
            assert [] == list(redis_client.scan_iter(f"{prefix}:*"))
        finally:
            with psycopg.connect(POSTGRES_DSN, autocommit=True) as connection:
                if connection.execute("SELECT to_regclass('agentcharts_sessions')").fetchone()[0]:
                    connection.execute(
                        "DELETE FROM agentcharts_sessions WHERE session_id = %s", (f"report-{run}",)
                    )
            for key in redis_client.scan_iter(f"{prefix}:*"):
                redis_client.delete(key)
