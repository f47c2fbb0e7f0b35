"""Tests for `agentcharts.schemas.persisted`."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from schema_examples import weather_agent, weather_session

import strategies
from agentcharts.exceptions import SchemaVersionError, SnapshotDecodeError, SnapshotEncodeError
from agentcharts.schemas import (
    AGENT_FORMAT,
    CURRENT_VERSION,
    SESSION_FORMAT,
    AgentSnapshot,
    GraphSnapshot,
    NodeSnapshot,
    SessionRecord,
    dump_agent,
    dump_session,
    load_agent,
    load_session,
    unstructure,
)

FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def session_document(**changes):
    """The example session's envelope as data, with top-level keys changed or removed."""
    document = json.loads(dump_session(weather_session()))
    for key, value in changes.items():
        if value is None:
            del document[key]
        else:
            document[key] = value
    return document


def load_problems(document) -> tuple[tuple[str, str], ...]:
    """Load a session document and return the problems of the error it must raise."""
    with pytest.raises(SnapshotDecodeError) as caught:
        load_session(json.dumps(document))
    return caught.value.problems


class TestSessionEnvelope:
    def test_envelope_shape(self):
        """A session is written as format, version and session, in that order."""
        document = json.loads(dump_session(weather_session()))
        assert ["format", "version", "session"] == list(document)
        assert SESSION_FORMAT == document["format"] == "agentcharts.session"
        assert CURRENT_VERSION == document["version"] == 2
        assert unstructure(weather_session()) == document["session"]

    def test_round_trip(self):
        """load_session reads back what dump_session wrote."""
        record = weather_session()
        assert record == load_session(dump_session(record))

    def test_reads_bytes_and_any_whitespace(self):
        """Indented JSON and UTF-8 bytes load the same."""
        record = weather_session()
        pretty = json.dumps(json.loads(dump_session(record)), indent=4).encode()
        assert record == load_session(pretty)

    @FUZZ
    @given(record=strategies.session_records)
    def test_generated_sessions_round_trip(self, record):
        """Every generated session survives the envelope."""
        assert record == load_session(dump_session(record))

    def test_encode_error_path_is_inside_the_record(self):
        """A non-JSON value makes dump_session raise with the path inside the record."""
        agent = AgentSnapshot("weather", state={"seen": {"Oslo"}})
        graph = GraphSnapshot(nodes={"weather": NodeSnapshot("weather", agent=agent)})
        with pytest.raises(SnapshotEncodeError) as caught:
            dump_session(SessionRecord("s", graph))
        assert "graph.nodes.weather.agent.state.seen" == caught.value.path

    def test_refuses_a_record_of_another_type(self):
        """dump_session refuses anything but a SessionRecord."""
        with pytest.raises(SnapshotEncodeError) as caught:
            dump_session(weather_agent())  # type: ignore[arg-type]
        assert caught.value.problem.startswith("expected a SessionRecord, got AgentSnapshot(")


class TestAgentEnvelope:
    def test_envelope_shape(self):
        """An agent is written as format, version and agent."""
        document = json.loads(dump_agent(weather_agent()))
        assert {
            "format": AGENT_FORMAT,
            "version": CURRENT_VERSION,
            "agent": unstructure(weather_agent()),
        } == document
        assert "agentcharts.agent" == AGENT_FORMAT

    def test_round_trip(self):
        """load_agent reads back what dump_agent wrote."""
        assert weather_agent() == load_agent(dump_agent(weather_agent()))

    @FUZZ
    @given(snapshot=strategies.agent_snapshots)
    def test_generated_agents_round_trip(self, snapshot):
        """Every generated agent snapshot survives the envelope."""
        assert snapshot == load_agent(dump_agent(snapshot))

    def test_error_paths_start_at_agent(self):
        """Problems inside the payload are reported from the envelope's "agent" key."""
        document = json.loads(dump_agent(weather_agent()))
        document["agent"]["messages"][2]["content"][0]["kind"] = "x"
        with pytest.raises(SnapshotDecodeError) as caught:
            load_agent(json.dumps(document))
        assert "agent.messages.2.content.0.kind" == caught.value.path

    def test_session_document_is_not_an_agent(self):
        """A session document given to load_agent is refused at its format."""
        with pytest.raises(SnapshotDecodeError) as caught:
            load_agent(dump_session(weather_session()))
        expected = (("format", "expected 'agentcharts.agent', got 'agentcharts.session'"),)
        assert expected == caught.value.problems


class TestEnvelopeErrors:
    def test_error_paths_start_at_session(self):
        """Problems inside the payload are reported from the envelope's "session" key."""
        document = session_document()
        document["session"]["graph"]["nodes"]["weather"]["status"] = "bogus"
        document["session"]["graph"]["nodes"]["weather"]["agent"]["messages"][2]["content"][0][
            "kind"
        ] = "x"
        paths = [path for path, _ in load_problems(document)]
        expected = [
            "session.graph.nodes.weather.status",
            "session.graph.nodes.weather.agent.messages.2.content.0.kind",
        ]
        assert expected == paths

    def test_wrong_format(self):
        """Another format is refused at "format"."""
        problems = load_problems(session_document(format="something.else"))
        assert (("format", "expected 'agentcharts.session', got 'something.else'"),) == problems

    def test_missing_format(self):
        """A document without a format is refused at "format"."""
        problems = load_problems(session_document(format=None))
        assert (("format", "required field missing (expected 'agentcharts.session')"),) == problems

    def test_not_an_object(self):
        """A document that is not an object is refused at the empty path."""
        with pytest.raises(SnapshotDecodeError) as caught:
            load_session("[1, 2]")
        expected = (("", "expected an object (an agentcharts.session document), got [1, 2]"),)
        assert expected == caught.value.problems

    def test_malformed_json(self):
        """Text that is not JSON is a decode error."""
        with pytest.raises(SnapshotDecodeError) as caught:
            load_session('{"format": ')
        assert caught.value.problems[0][1].startswith("malformed JSON: Expecting value")

    def test_missing_payload(self):
        """A document without its payload is refused at the payload key."""
        assert (("session", "required field missing"),) == load_problems(
            session_document(session=None)
        )

    def test_unknown_envelope_key(self):
        """An extra top-level key is refused."""
        assert (("saved_by", "unknown key"),) == load_problems(session_document(saved_by="me"))

    @pytest.mark.parametrize(
        "version", [CURRENT_VERSION + 1, 99, 0, -1, "1", 1.0, True, None, [1]], ids=repr
    )
    def test_unsupported_versions(self, version):
        """A newer, non-integer, missing or non-positive version is a SchemaVersionError."""
        document = session_document(version=version)
        with pytest.raises(SchemaVersionError) as caught:
            load_session(json.dumps(document))
        assert version == caught.value.version
        assert CURRENT_VERSION == caught.value.current
        assert "version" == caught.value.path

    def test_newer_version_message(self):
        """The version error says which version was found and which is the newest known."""
        with pytest.raises(SchemaVersionError) as caught:
            load_session(json.dumps(session_document(version=3)))
        assert (
            "invalid snapshot at version: format version 3 is not supported (newest known: 2)"
            == str(caught.value)
        )

    def test_version_error_is_a_decode_error(self):
        """A caller catching SnapshotDecodeError also catches version errors."""
        with pytest.raises(SnapshotDecodeError):
            load_session(json.dumps(session_document(version=7)))


class TestSnapshots:
    def test_persisted_session_document(self, snapshot_json):
        """The example session's document, as the store writes it."""
        assert json.loads(dump_session(weather_session())) == snapshot_json

    def test_persisted_agent_document(self, snapshot_json):
        """The example agent's document."""
        assert json.loads(dump_agent(weather_agent())) == snapshot_json
