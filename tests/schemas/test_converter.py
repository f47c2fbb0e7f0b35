"""Tests for `agentcharts.schemas.converter`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import cattrs
import pytest
from cattrs.preconf.json import make_converter as make_json_converter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schema_examples import weather_agent, weather_session

import strategies
from agentcharts.exceptions import (
    InvalidSettingError,
    PersistenceError,
    SnapshotDecodeError,
    SnapshotEncodeError,
)
from agentcharts.schemas import (
    TAGGED_UNIONS,
    AgentSnapshot,
    GraphSnapshot,
    InterruptRecord,
    JournalEntry,
    Message,
    NodeOutput,
    NodeSnapshot,
    RunChange,
    SessionRecord,
    Status,
    TextBlock,
    Timings,
    ToolCallRecord,
    ToolResultBlock,
    ToolSpec,
    ToolUseBlock,
    TransitionRecord,
    Usage,
    configure_converter,
    dumps,
    loads,
    make_converter,
    messages,
    records,
    structure,
    trace,
    unstructure,
)
from agentcharts.schemas.converter import CONTENT_BLOCK, parse_json

RECORDS = [
    (TextBlock, strategies.text_blocks),
    (ToolUseBlock, strategies.tool_use_blocks),
    (ToolResultBlock, strategies.tool_result_blocks),
    (Message, strategies.messages),
    (Usage, strategies.usages),
    (ToolSpec, strategies.tool_specs),
    (InterruptRecord, strategies.interrupt_records),
    (ToolCallRecord, strategies.tool_call_records),
    (AgentSnapshot, strategies.agent_snapshots),
    (NodeOutput, strategies.node_outputs),
    (NodeSnapshot, strategies.node_snapshots()),
    (Timings, strategies.timings),
    (GraphSnapshot, strategies.graph_snapshots()),
    (TransitionRecord, strategies.transition_records),
    (SessionRecord, strategies.session_records),
    (RunChange, strategies.run_changes),
    (JournalEntry, strategies.journal_entries),
]
RECORD_IDS = [cls.__name__ for cls, _ in RECORDS]
NAIVE = datetime(2026, 1, 1)  # noqa: DTZ001 - a naive datetime, refused on purpose
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decode_problems(data: Any, cls: type) -> tuple[tuple[str, str], ...]:
    """Structure ``data`` and return the problems of the SnapshotDecodeError it must raise."""
    with pytest.raises(SnapshotDecodeError) as caught:
        structure(data, cls)
    return caught.value.problems


def encode_error(record: object) -> SnapshotEncodeError:
    """Dump ``record`` and return the SnapshotEncodeError it must raise."""
    with pytest.raises(SnapshotEncodeError) as caught:
        dumps(record)
    return caught.value


def plain_json(value: Any) -> bool:
    """Whether a value is made only of exact JSON types (no enums, tuples, subclasses)."""
    if type(value) in (str, int, float, bool, type(None)):
        return True
    if type(value) is list:
        return all(plain_json(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and plain_json(v) for k, v in value.items())
    return False


class TestRoundTrip:
    @pytest.mark.parametrize(("cls", "records"), RECORDS, ids=RECORD_IDS)
    @FUZZ
    @given(data=st.data())
    def test_every_record_round_trips(self, cls, records, data):
        """structure(unstructure(x)) == x and loads(dumps(x)) == x, through plain JSON data."""
        record = data.draw(records)
        unstructured = unstructure(record)
        assert plain_json(unstructured)
        assert record == structure(unstructured, cls)
        assert record == loads(dumps(record), cls)

    @settings(max_examples=15, deadline=None)
    @given(record=strategies.session_records)
    def test_fresh_converter_round_trip(self, record):
        """A converter from make_converter() round-trips like the module helpers."""
        converter = make_converter()
        assert record == converter.structure(converter.unstructure(record), SessionRecord)

    def test_realistic_session(self):
        """The example session round-trips, text and data."""
        record = weather_session()
        assert record == loads(dumps(record), SessionRecord)


class TestStrategies:
    def test_every_record_has_a_strategy(self):
        """The round-trip tests cover every attrs class of the schemas modules."""
        classes = {
            value
            for module in (messages, records, trace)
            for value in vars(module).values()
            if isinstance(value, type) and attrs.has(value) and value.__module__ == module.__name__
        }
        assert classes == {cls for cls, _ in RECORDS}


class TestMakeConverter:
    def test_fresh_converter_each_call(self):
        """Each call builds a new converter: a hook added to one leaves the other alone."""
        first, second = make_converter(), make_converter()
        assert first is not second
        first.register_unstructure_hook(Usage, lambda _: "custom")
        assert "custom" == first.unstructure(Usage())
        assert {"input_tokens": 0, "output_tokens": 0} == second.unstructure(Usage())

    def test_configures_a_plain_json_converter(self):
        """configure_converter gives a cattrs JSON converter the same format."""
        converter = make_json_converter(forbid_extra_keys=True, detailed_validation=True)
        configure_converter(converter)
        record = weather_session()
        assert unstructure(record) == converter.unstructure(record)
        assert record == converter.structure(unstructure(record), SessionRecord)

    @pytest.mark.parametrize(
        ("kwargs", "setting"),
        [
            ({"forbid_extra_keys": False}, "converter.forbid_extra_keys"),
            (
                {"forbid_extra_keys": True, "detailed_validation": False},
                "converter.detailed_validation",
            ),
        ],
    )
    def test_refuses_a_lax_converter(self, kwargs, setting):
        """A converter that would accept unknown keys or lose error paths is refused."""
        with pytest.raises(InvalidSettingError) as caught:
            configure_converter(cattrs.Converter(**kwargs))
        assert setting == caught.value.setting

    def test_converter_raises_cattrs_errors_directly(self):
        """The converter itself raises cattrs' validation tree; the helpers translate it."""
        with pytest.raises(cattrs.ClassValidationError):
            make_converter().structure({"input_tokens": "1"}, Usage)


class TestDumps:
    def test_compact_in_field_order_with_the_tag_first(self):
        """Dumps writes compact JSON, keys in field order, the content block tag first."""
        message = Message("user", (TextBlock("hi"), ToolResultBlock("t1", "error", "boom")))
        expected = (
            '{"role":"user","content":[{"kind":"text","text":"hi"},'
            '{"kind":"tool_result","tool_use_id":"t1","status":"error","content":"boom"}]}'
        )
        assert expected == dumps(message)

    def test_standalone_member_has_no_tag(self):
        """A ToolResultBlock outside a message's content is written without a tag."""
        record = ToolCallRecord("t1", "search", result=ToolResultBlock("t1", "success", 1))
        assert {"tool_use_id": "t1", "status": "success", "content": 1} == unstructure(record)[
            "result"
        ]

    def test_enums_by_value(self):
        """Enums are written as their values, as plain strings."""
        data = unstructure(NodeSnapshot("n", status=Status.INTERRUPTED))
        assert "interrupted" == data["status"]
        assert str is type(data["status"])

    def test_datetimes_are_utc_iso_strings(self):
        """An aware datetime in any zone is written as ISO 8601 in UTC."""
        oslo = timezone(timedelta(hours=2))
        record = Timings(started_at=datetime(2026, 5, 1, 14, 30, tzinfo=oslo))
        assert "2026-05-01T12:30:00+00:00" == unstructure(record)["started_at"]

    def test_utc_on_load(self):
        """A date-time with another offset is read and converted to UTC."""
        record = structure({"started_at": "2026-05-01T14:30:00+02:00"}, Timings)
        assert datetime(2026, 5, 1, 12, 30, tzinfo=UTC) == record.started_at
        assert UTC == record.started_at.tzinfo

    def test_non_ascii_text_is_kept(self):
        """Non-ASCII text is written as is, not escaped."""
        assert '{"text":"smørbrød ☀"}' == dumps(TextBlock("smørbrød ☀"))

    def test_tuples_in_json_values_become_lists(self):
        """A tuple inside an ``Any`` field is written as an array and read back as a list."""
        record = AgentSnapshot("a", state={"pair": (1, 2)})
        assert {"pair": [1, 2]} == loads(dumps(record), AgentSnapshot).state

    def test_json_values_are_copied(self):
        """Unstructured data shares no mutable container with the record."""
        record = AgentSnapshot("a", state={"items": [1]})
        data = unstructure(record)
        data["state"]["items"].append(2)
        assert {"items": [1]} == record.state

    def test_defaults_may_be_omitted_on_load(self):
        """Fields with defaults may be missing from the data."""
        assert NodeSnapshot("n") == structure({"node_id": "n"}, NodeSnapshot)


class TestDecodeErrors:
    def test_wrong_type_deep_inside(self):
        """A wrong type is reported at its dotted path, messages and blocks by index."""
        data = unstructure(weather_agent())
        data["messages"][2]["content"][0]["content"] = {"ok": True}  # JSON: fine
        data["messages"][3]["content"][1]["name"] = 7
        assert (("messages.3.content.1.name", "expected a string, got 7"),) == decode_problems(
            data, AgentSnapshot
        )

    def test_unknown_status_value(self):
        """An unknown enum value lists the known ones."""
        data = unstructure(weather_session())
        data["graph"]["nodes"]["weather"]["status"] = "bogus"
        expected = (
            (
                "graph.nodes.weather.status",
                "expected one of pending, executing, interrupted, completed, failed; got 'bogus'",
            ),
        )
        assert expected == decode_problems(data, SessionRecord)

    def test_unknown_tag(self):
        """An unknown content block kind is named as such, not as a missing field."""
        data = {"role": "user", "content": [{"kind": "image", "url": "x"}]}
        expected = (
            (
                "content.0.kind",
                "unknown content block kind 'image' (expected one of text, tool_use, tool_result)",
            ),
        )
        assert expected == decode_problems(data, Message)

    def test_missing_tag(self):
        """A content block without a kind is reported at its kind."""
        data = {"role": "user", "content": [{"text": "hi"}]}
        assert (("content.0.kind", "required field missing"),) == decode_problems(data, Message)

    def test_bad_field_inside_a_tagged_member(self):
        """A problem inside a tagged member is reported at the member's field."""
        data = {"role": "user", "content": [{"kind": "text", "text": None}]}
        assert (("content.0.text", "expected a string, got None"),) == decode_problems(
            data, Message
        )

    def test_missing_field(self):
        """A missing required field is reported at its own path."""
        data = {"session_id": "s", "graph": {"nodes": {"a": {"status": "pending"}}}}
        expected = (("graph.nodes.a.node_id", "required field missing"),)
        assert expected == decode_problems(data, SessionRecord)

    def test_unknown_keys(self):
        """Each unknown key is reported at its own path."""
        data = {"input_tokens": 1, "zeta": 0, "alpha": 0}
        assert (("alpha", "unknown key"), ("zeta", "unknown key")) == decode_problems(data, Usage)

    def test_string_is_not_an_array(self):
        """A string where an array is expected is an error, not a list of characters."""
        expected = (("inputs", "expected an array, got 'ab'"),)
        assert expected == decode_problems({"node_id": "n", "inputs": "ab"}, NodeSnapshot)

    @pytest.mark.parametrize(
        ("data", "cls", "expected"),
        [
            ({"input_tokens": "1"}, Usage, ("input_tokens", "expected an integer, got '1'")),
            ({"input_tokens": True}, Usage, ("input_tokens", "expected an integer, got True")),
            ({"input_tokens": 1.5}, Usage, ("input_tokens", "expected an integer, got 1.5")),
            ({"text": 3}, TextBlock, ("text", "expected a string, got 3")),
            (
                {"id": "i", "name": "n", "answered": 1},
                InterruptRecord,
                ("answered", "expected true or false, got 1"),
            ),
            (
                {"execution_time_ms": "fast"},
                Timings,
                ("execution_time_ms", "expected a number, got 'fast'"),
            ),
            (
                {"role": "bot", "content": []},
                Message,
                ("role", "expected one of user, assistant; got 'bot'"),
            ),
            ({"node_id": "n", "error": 3}, NodeSnapshot, ("error", "expected a string, got 3")),
            ({"name": "a", "state": []}, AgentSnapshot, ("state", "expected an object, got []")),
            (
                {"status": "pending", "nodes": []},
                GraphSnapshot,
                ("nodes", "expected an object, got []"),
            ),
            (
                {"node_id": "n", "output": "done"},
                NodeSnapshot,
                ("output", "expected an object, got 'done'"),
            ),
            ([], Usage, ("", "expected an object, got []")),
        ],
        ids=lambda v: v.__name__ if isinstance(v, type) else None,
    )
    def test_wrong_types(self, data, cls, expected):
        """No value is coerced to another type: each mismatch names the path and the value."""
        assert (expected,) == decode_problems(data, cls)

    def test_naive_datetime(self):
        """A date-time without a UTC offset is refused."""
        expected = (
            (
                "started_at",
                "expected a date-time with a UTC offset (like +00:00), got '2026-05-01T12:00:00'",
            ),
        )
        assert expected == decode_problems({"started_at": "2026-05-01T12:00:00"}, Timings)

    def test_unparsable_datetime(self):
        """A string that is not ISO 8601 is refused."""
        expected = (("updated_at", "expected an ISO 8601 date-time string, got 'yesterday'"),)
        assert expected == decode_problems({"updated_at": "yesterday"}, Timings)

    def test_every_problem_is_listed(self):
        """All problems are collected, and the message names the first and counts the rest."""
        with pytest.raises(SnapshotDecodeError) as caught:
            structure({"input_tokens": "1", "output_tokens": None}, Usage)
        error = caught.value
        assert 2 == len(error.problems)
        assert "input_tokens" == error.path
        assert "invalid snapshot at input_tokens: expected an integer, got '1' (and 1 more)" == str(
            error
        )

    def test_path_prefix(self):
        """structure(path=...) starts every error path with the given prefix."""
        with pytest.raises(SnapshotDecodeError) as caught:
            structure({"text": 1}, TextBlock, path="session.note")
        assert "session.note.text" == caught.value.path

    def test_non_json_value_given_as_python_data(self):
        """Structuring Python data refuses a non-JSON value in an ``Any`` field, with its path."""
        problems = decode_problems({"name": "a", "state": {"tags": {"x"}}}, AgentSnapshot)
        assert (("state.tags", "a set is not a JSON value: {'x'}"),) == problems

    def test_error_types(self):
        """The decode error is a PersistenceError and a ValueError."""
        with pytest.raises(SnapshotDecodeError) as caught:
            loads("{}", TextBlock)
        assert isinstance(caught.value, PersistenceError)
        assert isinstance(caught.value, ValueError)

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            (
                "{",
                "malformed JSON: Expecting property name enclosed in double quotes at line 1 column 2",
            ),
            ('{"input_tokens": NaN}', "malformed JSON: NaN is not a JSON value"),
            ('{"input_tokens": Infinity}', "malformed JSON: Infinity is not a JSON value"),
            (b"\xff\xfe\x00", "malformed JSON: "),
        ],
    )
    def test_malformed_json(self, text, problem):
        """Text that is not JSON is refused at the empty path."""
        with pytest.raises(SnapshotDecodeError) as caught:
            parse_json(text)
        ((path, found),) = caught.value.problems
        assert "" == path
        assert found.startswith(problem)

    @FUZZ
    @given(data=strategies.json_values)
    def test_any_json_gives_a_record_or_a_decode_error(self, data):
        """Arbitrary JSON never escapes as anything but a SnapshotDecodeError."""
        assert all(path is not None and problem for path, problem in decode_outcome(data))

    @FUZZ
    @given(record=strategies.session_records, junk=strategies.json_values, pick=st.randoms())
    def test_corrupted_documents_give_decode_errors(self, record, junk, pick):
        """Replacing any part of a document gives a record, or errors inside the changed part."""
        data = unstructure(record)
        where, parent = pick.choice([(p, c) for p, c in _containers(data, "") if c])
        key = pick.choice(list(parent) if isinstance(parent, dict) else range(len(parent)))
        parent[key] = junk
        for path, _ in decode_outcome(data):
            assert where in ("", path) or path.startswith(f"{where}.")


def decode_outcome(data: Any) -> tuple[tuple[str, str], ...]:
    """Structure ``data`` as a session: no problems if it loads, else the error's problems."""
    try:
        structure(data, SessionRecord)
    except SnapshotDecodeError as error:
        return error.problems
    return ()


def _containers(value: Any, path: str):
    """Yield ``(dotted path, container)`` for every dict and list in a JSON value."""
    if isinstance(value, dict | list):
        yield path, value
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            yield from _containers(child, f"{path}.{key}" if path else str(key))


class TestEncodeErrors:
    @pytest.mark.parametrize(
        ("record", "path", "problem"),
        [
            (
                AgentSnapshot("a", state={"tags": {"x"}}),
                "state.tags",
                "a set is not a JSON value: {'x'}",
            ),
            (
                InterruptRecord("i", "n", reason={"when": [datetime(2026, 1, 1, tzinfo=UTC)]}),
                "reason.when.0",
                "a datetime is not a JSON value: datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timez...",
            ),
            (
                NodeOutput("function", "x", value=object),
                "value",
                "a type is not a JSON value: <class 'object'>",
            ),
            (
                AgentSnapshot("a", state={"n": {1: "one"}}),
                "state.n",
                "object keys must be strings, got 1",
            ),
            (
                ToolResultBlock("t", "success", float("nan")),
                "content",
                "nan is not a JSON number (JSON has no NaN or Infinity)",
            ),
            (
                AgentSnapshot(
                    "a", messages=(Message("user", (ToolUseBlock("t", "f", {"x": {1}}),)),)
                ),
                "messages.0.content.0.input.x",
                "a set is not a JSON value: {1}",
            ),
        ],
        ids=["set", "datetime", "object", "int-key", "nan", "nested-in-blocks"],
    )
    def test_non_json_values(self, record, path, problem):
        """A non-JSON value in an ``Any`` field is refused with its path."""
        error = encode_error(record)
        assert (path, problem) == (error.path, error.problem)

    @pytest.mark.parametrize(
        ("record", "path", "problem"),
        [
            (
                TransitionRecord("node", "n", "pending", "start", "executing", NAIVE),
                "at",
                "expected a timezone-aware datetime (UTC), got the naive datetime.datetime(2026, 1, 1, 0, 0)",
            ),
            (
                NodeSnapshot("n", status="bogus"),
                "status",
                "expected one of pending, executing, interrupted, completed, failed; got 'bogus'",
            ),
            (
                NodeSnapshot("n", execution_time_ms=float("inf")),
                "execution_time_ms",
                "expected a finite number, got inf",
            ),
            (Usage(input_tokens="3"), "input_tokens", "expected an integer, got '3'"),
            (
                Message("user", ("hi",)),
                "content.0",
                "expected a content block (TextBlock, ToolUseBlock, ToolResultBlock), got 'hi'",
            ),
            (Message("user", "hi"), "content", "expected a list or tuple, got 'hi'"),
            (Message("robot", ()), "role", "expected one of user, assistant; got 'robot'"),
            (NodeSnapshot("n", output="done"), "output", "expected a NodeOutput, got 'done'"),
            (
                GraphSnapshot(nodes={"a": NodeSnapshot("a", agent=AgentSnapshot("x", usage=None))}),
                "nodes.a.agent.usage",
                "expected a Usage, got None",
            ),
        ],
        ids=[
            "naive",
            "status",
            "inf",
            "int",
            "block",
            "string-content",
            "role",
            "record",
            "nested",
        ],
    )
    def test_wrongly_typed_fields(self, record, path, problem):
        """A field holding the wrong type is refused on dump, so nothing unloadable is written."""
        error = encode_error(record)
        assert (path, problem) == (error.path, error.problem)

    def test_error_types_and_message(self):
        """The encode error is a PersistenceError and a TypeError, and names the path."""
        error = encode_error(AgentSnapshot("a", state={"tags": {"x"}}))
        assert isinstance(error, PersistenceError)
        assert isinstance(error, TypeError)
        assert "cannot persist the value at state.tags: a set is not a JSON value: {'x'}" == str(
            error
        )

    def test_value_that_contains_itself(self):
        """A JSON value that contains itself is refused instead of recursing forever."""
        state: dict = {}
        state["self"] = state
        error = encode_error(AgentSnapshot("a", state=state))
        # the converter copies each value of the state dict; the depth error names the first
        # step inside that value, not the hundred steps down to where the bound was hit
        problem = "the value nests deeper than 100 levels, or contains itself"
        assert ("state.self.self", problem) == (
            error.path,
            error.problem,
        )

    def test_accepts_a_plain_value_of_an_enum(self):
        """A field holding an enum's value instead of the member is written as that value."""
        assert "pending" == unstructure(NodeSnapshot("n", status="pending"))["status"]


class TestTagTable:
    def test_content_block_table(self):
        """The content block union is tagged by "kind" with the documented values."""
        assert (CONTENT_BLOCK,) == TAGGED_UNIONS
        assert "kind" == CONTENT_BLOCK.tag_key
        expected = {TextBlock: "text", ToolUseBlock: "tool_use", ToolResultBlock: "tool_result"}
        assert expected == dict(CONTENT_BLOCK.tags)

    def test_every_member_dumps_with_its_tag(self):
        """Each member of the union is written with the tag from the table."""
        blocks = (TextBlock("t"), ToolUseBlock("u", "f"), ToolResultBlock("u", "success", None))
        data = unstructure(Message("assistant", blocks))
        assert [CONTENT_BLOCK.tags[type(b)] for b in blocks] == [c["kind"] for c in data["content"]]


class TestHelpers:
    def test_loads_reads_bytes(self):
        """loads accepts UTF-8 bytes as well as text."""
        assert TextBlock("é") == loads('{"text":"é"}'.encode(), TextBlock)

    def test_dumps_is_standard_json(self):
        """dumps output is standard JSON that the stdlib reads back to the same data."""
        record = weather_session()
        assert unstructure(record) == json.loads(dumps(record))
