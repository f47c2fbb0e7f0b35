"""Tests for `agentcharts.runtime.retry`."""

from __future__ import annotations

import asyncio
import errno
import random
import socket
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentcharts.exceptions import (
    InvalidSettingError,
    ModelConnectionError,
    ModelRateLimitError,
    ModelServerError,
    ModelTimeoutError,
    ToolTimeoutError,
)
from agentcharts.runtime.retry import (
    ERROR_KINDS,
    RetryPolicy,
    classify_error,
    retry_after_seconds,
)

policies = st.builds(
    lambda attempts, factor, initial, extra, kinds, jitter, jf: RetryPolicy(
        max_attempts=attempts,
        backoff_factor=factor,
        initial_delay_ms=initial,
        max_delay_ms=initial + extra,
        retry_on=kinds,
        jitter=jitter,
        jitter_factor=jf,
    ),
    st.integers(1, 10),
    st.floats(1, 10),
    st.floats(0, 5000),
    st.floats(0, 60000),
    st.frozensets(st.sampled_from(sorted(ERROR_KINDS))),
    st.booleans(),
    st.floats(0, 1),
)


class HTTPStatusError(Exception):
    def __init__(self, message="", **attributes):
        super().__init__(message)
        for name, value in attributes.items():
            setattr(self, name, value)


class Response:
    def __init__(self, status_code=None, headers=None):
        self.status_code = status_code
        self.headers = headers


class ReadTimeoutError(Exception):
    """Named like httpx's timeout, but not a TimeoutError."""


class ProviderRateLimitError(Exception):
    """Named like an SDK's rate limit error."""


class BrokenStatusError(Exception):
    @property
    def status_code(self):
        raise RuntimeError("unreadable")


def seeded(seed):
    return random.Random(seed)  # noqa: S311 - jitter, not cryptography


class TestRetryPolicyFields:
    def test_defaults(self):
        """The defaults match the documented, field-compatible policy."""
        policy = RetryPolicy()
        assert 3 == policy.max_attempts
        assert 2.0 == policy.backoff_factor
        assert 1000 == policy.initial_delay_ms
        assert 30000 == policy.max_delay_ms
        assert frozenset({"timeout", "rate_limit", "connection_error"}) == policy.retry_on
        assert policy.jitter is False
        assert 0.25 == policy.jitter_factor

    def test_retry_on_accepts_any_iterable(self):
        """retry_on is stored as a frozenset whatever iterable it was given as."""
        assert frozenset({"timeout"}) == RetryPolicy(retry_on=["timeout", "timeout"]).retry_on
        assert frozenset() == RetryPolicy(retry_on=()).retry_on
        assert frozenset({"error"}) == RetryPolicy(retry_on=iter(["error"])).retry_on

    def test_frozen_and_hashable(self):
        """A policy is immutable and can be a dict key."""
        policy = RetryPolicy()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            policy.max_attempts = 5  # type: ignore[misc]
        assert {policy: 1}[RetryPolicy()] == 1

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("max_attempts", 0),
            ("max_attempts", 1.5),
            ("max_attempts", True),
            ("backoff_factor", 0.5),
            ("backoff_factor", float("nan")),
            ("backoff_factor", True),
            ("initial_delay_ms", -1),
            ("initial_delay_ms", float("inf")),
            ("max_delay_ms", 500),
            ("max_delay_ms", "30000"),
            ("jitter", "yes"),
            ("jitter_factor", -0.1),
            ("jitter_factor", 1.5),
            ("retry_on", "timeout"),
            ("retry_on", {"bogus"}),
            ("retry_on", [["timeout"]]),
            ("retry_on", 5),
        ],
    )
    def test_validation(self, field, value):
        """Every out-of-range field raises InvalidSettingError naming the field."""
        with pytest.raises(InvalidSettingError, match=f"^{field} must be") as info:
            RetryPolicy(**{field: value})
        assert field == info.value.setting
        assert isinstance(info.value, ValueError)

    def test_zero_delays_are_allowed(self):
        """A policy with no waiting at all is valid."""
        assert 0.0 == RetryPolicy(initial_delay_ms=0, max_delay_ms=0).get_delay_ms(3)


class TestShouldRetry:
    @pytest.mark.parametrize(
        ("kind", "attempt", "expected"),
        [
            ("timeout", 1, True),
            ("timeout", 2, True),
            ("timeout", 3, False),
            ("rate_limit", 1, True),
            ("connection_error", 2, True),
            ("server_error", 1, False),
            ("error", 1, False),
            ("unknown", 1, False),
        ],
    )
    def test_table(self, kind, attempt, expected):
        """Retry when the kind is listed and the failed attempt was not the last."""
        assert expected == RetryPolicy().should_retry(kind, attempt)

    def test_single_attempt_never_retries(self):
        """max_attempts=1 means no retries."""
        assert not RetryPolicy(max_attempts=1).should_retry("timeout", 1)

    @pytest.mark.parametrize("attempt", [0, -1, True, 1.0])
    def test_attempt_is_validated(self, attempt):
        """The attempt number is a 1-based int."""
        with pytest.raises(InvalidSettingError, match="attempt"):
            RetryPolicy().should_retry("timeout", attempt)


class TestDelays:
    def test_exponential_formula_and_cap(self):
        """Attempt n waits initial * factor ** (n - 1), capped at max_delay_ms."""
        policy = RetryPolicy()
        delays = [policy.get_delay_ms(n) for n in range(1, 8)]
        assert [1000, 2000, 4000, 8000, 16000, 30000, 30000] == delays
        assert all(isinstance(d, float) for d in delays)

    def test_other_factors(self):
        """The factor and the initial delay shape the curve."""
        policy = RetryPolicy(backoff_factor=3, initial_delay_ms=10, max_delay_ms=1000)
        assert [10, 30, 90, 270, 810, 1000] == [policy.get_delay_ms(n) for n in range(1, 7)]
        flat = RetryPolicy(backoff_factor=1, initial_delay_ms=250)
        assert [250, 250, 250] == [flat.get_delay_ms(n) for n in range(1, 4)]

    def test_huge_attempt_numbers_stay_capped(self):
        """An attempt number whose power overflows gives the cap, not an error."""
        policy = RetryPolicy(backoff_factor=10.0, max_delay_ms=5000)
        assert 5000 == policy.get_delay_ms(10_000)

    def test_jitter_uses_the_injected_random_source(self):
        """The same seed gives the same jittered delays; different seeds spread them."""
        policy = RetryPolicy(jitter=True)
        first = [policy.get_delay_ms(1, rng=seeded(7)) for _ in range(3)]
        assert len(set(first)) == 1
        spread = {policy.get_delay_ms(1, rng=seeded(seed)) for seed in range(50)}
        assert len(spread) > 40
        assert all(750 <= d <= 1250 for d in spread)

    def test_jitter_at_the_cap_is_clamped(self):
        """Jitter never pushes a delay above max_delay_ms or below zero."""

        class Extreme(random.Random):
            def __init__(self, pick):
                super().__init__()
                self.pick = pick

            def uniform(self, a, b):
                return b if self.pick == "high" else a

        policy = RetryPolicy(jitter=True, jitter_factor=1.0)
        assert 30000 == policy.get_delay_ms(10, rng=Extreme("high"))
        assert 0 == policy.get_delay_ms(1, rng=Extreme("low"))
        assert 2000 == policy.get_delay_ms(1, rng=Extreme("high"))

    @settings(max_examples=200, deadline=None)
    @given(policy=policies, attempt=st.integers(1, 40), seed=st.integers(0, 2**32))
    def test_jitter_bounds(self, policy, attempt, seed):
        """With jitter, a delay stays within ±jitter_factor of the base and within [0, max]."""
        base = RetryPolicy(
            backoff_factor=policy.backoff_factor,
            initial_delay_ms=policy.initial_delay_ms,
            max_delay_ms=policy.max_delay_ms,
        ).get_delay_ms(attempt)
        delay = attrs.evolve(policy, jitter=True).get_delay_ms(attempt, rng=seeded(seed))
        assert 0 <= delay <= policy.max_delay_ms
        slack = 1e-6 * max(1.0, base)
        assert base * (1 - policy.jitter_factor) - slack <= delay
        assert delay <= min(base * (1 + policy.jitter_factor), policy.max_delay_ms) + slack

    def test_retry_after_raises_the_delay_up_to_the_cap(self):
        """A Retry-After longer than the backoff wins, but never beyond max_delay_ms."""
        policy = RetryPolicy()
        assert 7000 == policy.get_delay_ms(1, retry_after_s=7)
        assert 4000 == policy.get_delay_ms(3, retry_after_s=1)
        assert 30000 == policy.get_delay_ms(1, retry_after_s=600)
        assert 1000 == policy.get_delay_ms(1, retry_after_s=0)

    def test_retry_after_applies_after_jitter(self):
        """A jittered delay is still raised to the server's Retry-After."""
        policy = RetryPolicy(jitter=True)
        assert 5000 == policy.get_delay_ms(1, retry_after_s=5, rng=seeded(1))

    @pytest.mark.parametrize("bad", [-1, float("nan"), "5", True])
    def test_retry_after_is_validated(self, bad):
        """retry_after_s must be a number of seconds >= 0."""
        with pytest.raises(InvalidSettingError, match="retry_after_s"):
            RetryPolicy().get_delay_ms(1, retry_after_s=bad)

    def test_attempt_is_validated(self):
        """get_delay_ms takes the 1-based attempt that failed."""
        with pytest.raises(InvalidSettingError, match="attempt"):
            RetryPolicy().get_delay_ms(0)


class TestDictForm:
    def test_to_dict(self):
        """to_dict gives JSON-ready data with retry_on sorted."""
        assert {
            "max_attempts": 3,
            "backoff_factor": 2.0,
            "initial_delay_ms": 1000,
            "max_delay_ms": 30000,
            "retry_on": ["connection_error", "rate_limit", "timeout"],
            "jitter": False,
            "jitter_factor": 0.25,
        } == RetryPolicy().to_dict()

    @settings(max_examples=100, deadline=None)
    @given(policy=policies)
    def test_round_trip(self, policy):
        """from_dict(to_dict()) gives back an equal policy."""
        assert policy == RetryPolicy.from_dict(policy.to_dict())

    def test_missing_keys_take_defaults(self):
        """Keys left out keep their defaults."""
        assert RetryPolicy(max_attempts=5) == RetryPolicy.from_dict({"max_attempts": 5})

    def test_unknown_keys_are_refused(self):
        """A key that is not a field raises InvalidSettingError naming it."""
        with pytest.raises(InvalidSettingError, match="'retries'") as info:
            RetryPolicy.from_dict({"max_attempts": 2, "retries": 3})
        assert "retries" == info.value.value

    def test_values_are_validated(self):
        """from_dict validates like the constructor."""
        with pytest.raises(InvalidSettingError, match="max_attempts"):
            RetryPolicy.from_dict({"max_attempts": 0})
        with pytest.raises(InvalidSettingError, match="retry_on"):
            RetryPolicy.from_dict({"retry_on": ["nope"]})

    def test_not_a_mapping(self):
        """Only a mapping is accepted."""
        with pytest.raises(InvalidSettingError, match="retry_policy"):
            RetryPolicy.from_dict([("max_attempts", 2)])  # type: ignore[arg-type]


class TestClassifyByType:
    @pytest.mark.parametrize(
        ("error", "expected"),
        [
            (TimeoutError(), "timeout"),
            (ToolTimeoutError("fetch", 30), "timeout"),
            (ModelTimeoutError("no answer"), "timeout"),
            (OSError(errno.ETIMEDOUT, "Connection timed out"), "timeout"),
            (ConnectionError(errno.ETIMEDOUT, "connect timed out"), "timeout"),
            (ConnectionError(), "connection_error"),
            (ConnectionRefusedError(), "connection_error"),
            (ConnectionResetError("peer"), "connection_error"),
            (BrokenPipeError(), "connection_error"),
            (ModelConnectionError("down"), "connection_error"),
            (OSError(errno.ENETUNREACH, "Network is unreachable"), "connection_error"),
            (OSError(errno.EHOSTUNREACH, "x"), "connection_error"),
            (OSError(errno.ECONNRESET, ""), "connection_error"),
            (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "connection_error"),
            (OSError(errno.ENOENT, "No such file"), "error"),
            (FileNotFoundError("missing"), "error"),
        ],
    )
    def test_types(self, error, expected):
        """Exception types and OS error numbers decide first."""
        assert expected == classify_error(error)

    def test_a_real_asyncio_timeout(self):
        """The error asyncio.timeout() raises is a timeout."""

        async def slow():
            async with asyncio.timeout(0.001):
                await asyncio.sleep(1)

        with pytest.raises(TimeoutError) as info:
            asyncio.run(slow())
        assert "timeout" == classify_error(info.value)

    def test_empty_messages_are_still_failures(self):
        """An exception with no message is classified, never taken for success."""
        assert "connection_error" == classify_error(ConnectionError())
        assert "error" == classify_error(RuntimeError())
        assert "error" == classify_error(ValueError(""))

    def test_a_real_refused_connection(self):
        """Connecting to a closed port on 127.0.0.1 is a connection error."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with pytest.raises(OSError) as info:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        assert "connection_error" == classify_error(info.value)


class TestClassifyByStatus:
    @pytest.mark.parametrize(
        ("error", "expected"),
        [
            (HTTPStatusError(status_code=429), "rate_limit"),
            (HTTPStatusError(status=429), "rate_limit"),
            (ModelRateLimitError("slow down"), "rate_limit"),
            (HTTPStatusError(status_code=500), "server_error"),
            (HTTPStatusError(status_code=599), "server_error"),
            (ModelServerError(503, "unavailable"), "server_error"),
            (HTTPStatusError(response=Response(502)), "server_error"),
            (HTTPStatusError(status_code=408), "timeout"),
            (HTTPStatusError(status_code=404), "error"),
            (HTTPStatusError("rate limit exceeded", status_code=400), "error"),
            (HTTPStatusError("rate limit", status_code=True), "rate_limit"),
            (HTTPStatusError("timed out", status="failed"), "timeout"),
            (HTTPStatusError(response=Response(None)), "error"),
            (BrokenStatusError("connection reset"), "connection_error"),
        ],
    )
    def test_status(self, error, expected):
        """An int HTTP status decides next; bools, strings and failing properties are ignored."""
        assert expected == classify_error(error)


class TestClassifyByText:
    @pytest.mark.parametrize(
        ("error", "expected"),
        [
            (ReadTimeoutError(), "timeout"),
            (ProviderRateLimitError(), "rate_limit"),
            (type("ConnectError", (Exception,), {})(), "connection_error"),
            (Exception("HTTP 429 Too Many Requests"), "rate_limit"),
            (Exception("Rate limit exceeded"), "rate_limit"),
            (Exception("request timed out"), "timeout"),
            (Exception("504 Gateway Timeout"), "server_error"),
            (Exception("Service Unavailable"), "server_error"),
            (Exception("connection reset by peer"), "connection_error"),
            (Exception("temporary failure in name resolution"), "connection_error"),
            (RuntimeError("boom"), "error"),
            (ValueError("bad input"), "error"),
        ],
    )
    def test_fallback(self, error, expected):
        """The class name, then the message, are read only when nothing else decides."""
        assert expected == classify_error(error)


class TestProgrammingErrorsAreNeverReadByMessage:
    @pytest.mark.parametrize(
        "error",
        [
            ValueError("invalid timeout value: -1"),
            KeyError("timeout"),
            TypeError("connection must be a str"),
            AttributeError("'Client' object has no attribute 'rate_limit'"),
            LookupError("connection reset"),
            IndexError("timed out index"),
            AssertionError("rate limit should be positive"),
            NameError("name 'timeout' is not defined"),
            ZeroDivisionError("timeout / 0"),
            UnicodeDecodeError("utf-8", b"\xff", 0, 1, "timed out"),
            type("TimeoutSettingError", (ValueError,), {})("bad timeout"),
        ],
        ids=lambda e: type(e).__name__,
    )
    def test_builtin_programming_errors_are_plain_errors(self, error):
        """A bug in the caller's code is never taken for a timeout or a network failure."""
        assert "error" == classify_error(error)

    def test_their_status_still_counts(self):
        """A programming-error subclass that carries an HTTP status is classified by it."""
        error = type("ApiValueError", (ValueError,), {"status_code": 429})("bad")
        assert "rate_limit" == classify_error(error)

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("DisconnectedError", "error"),
            ("ReconnectingWarning", "error"),
            ("TimeoutsConfigError", "error"),
            ("ConnectError", "connection_error"),
            ("ConnectionClosedError", "connection_error"),
            ("ReadTimeout", "timeout"),
            ("RequestTimedOutError", "timeout"),
            ("RateLimitError", "rate_limit"),
            ("APIRateLimitError", "rate_limit"),
        ],
    )
    def test_class_names_match_whole_words(self, name, expected):
        """A class name counts only when a whole word of it says the kind."""
        assert expected == classify_error(type(name, (Exception,), {})())


class TestRetryAfter:
    @pytest.mark.parametrize(
        ("error", "expected"),
        [
            (ModelRateLimitError("x", retry_after=3), 3.0),
            (HTTPStatusError(retry_after=1.5), 1.5),
            (HTTPStatusError(retry_after=-4), 0.0),
            (HTTPStatusError(retry_after=timedelta(seconds=9)), 9.0),
            (HTTPStatusError(retry_after="12"), 12.0),
            (HTTPStatusError(headers={"Retry-After": "5"}), 5.0),
            (HTTPStatusError(headers={"retry-after": "6"}), 6.0),
            (HTTPStatusError(headers={"RETRY-AFTER": b"7"}), 7.0),
            (HTTPStatusError(response=Response(429, {"Retry-After": "8"})), 8.0),
            (HTTPStatusError(headers={"Retry-After": "soon"}), None),
            (HTTPStatusError(headers={}), None),
            (HTTPStatusError(retry_after=None), None),
            (HTTPStatusError(retry_after=float("nan")), None),
            (RuntimeError("no hint"), None),
        ],
    )
    def test_sources(self, error, expected):
        """retry_after attributes and Retry-After headers are read, in that order."""
        assert expected == retry_after_seconds(error)

    def test_http_date(self):
        """A Retry-After HTTP date gives the seconds until then."""
        when = datetime.now(UTC) + timedelta(seconds=120)
        error = HTTPStatusError(headers={"Retry-After": format_datetime(when, usegmt=True)})
        found = retry_after_seconds(error)
        assert found is not None
        assert 100 < found <= 120

    def test_headers_object_with_a_failing_get(self):
        """A headers object whose get() raises is searched as a mapping instead."""

        class OddHeaders(dict):
            def get(self, key, *_):
                raise KeyError(key)

        error = HTTPStatusError(headers=OddHeaders({"Retry-After": "4"}))
        assert 4.0 == retry_after_seconds(error)


class TestRealHTTPErrors:
    def test_urllib_errors_from_a_local_server(self):
        """urllib's HTTPError from a real server: 429 with Retry-After, then 503."""
        replies = iter([(429, {"Retry-After": "7"}), (503, {})])

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                status, headers = next(replies)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        errors = []
        try:
            for _ in range(2):
                try:
                    urllib.request.urlopen(url, timeout=5)
                except urllib.error.HTTPError as error:
                    errors.append(error)
                    error.close()
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)
        assert ["rate_limit", "server_error"] == [classify_error(e) for e in errors]
        assert [7.0, None] == [retry_after_seconds(e) for e in errors]
