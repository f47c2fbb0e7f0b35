"""Tests for `agentcharts.schemas.jsonschema`."""

from __future__ import annotations

import importlib.resources
import json
import pathlib
import re
import subprocess
import sys
from datetime import datetime
from typing import Any, Literal, NewType

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from schema_examples import weather_agent, weather_session

import strategies
from agentcharts.exceptions import DefinitionError
from agentcharts.schemas import (
    CURRENT_VERSION,
    TAGGED_UNIONS,
    agent_schema,
    dump_agent,
    dump_session,
    session_schema,
)
from agentcharts.schemas.jsonschema import (
    AGENT_SCHEMA_ID,
    SCHEMA_FILES,
    SESSION_SCHEMA_ID,
    _Generator,
    entry_schema,
    main,
    render_schema,
    shipped_schema,
    write_schemas,
)

FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REGENERATE = "python -m agentcharts.schemas.jsonschema --write"
REFERENCE = pathlib.Path(__file__).parents[2] / "docs" / "reference" / "persisted-format.md"


@pytest.fixture(scope="module")
def session_validator():
    return jsonschema.Draft202012Validator(shipped_schema("session.schema.json"))


@pytest.fixture(scope="module")
def agent_validator():
    return jsonschema.Draft202012Validator(shipped_schema("agent.schema.json"))


def errors(validator, document) -> list[str]:
    """The JSON paths of the schema violations of a document."""
    return sorted(e.json_path for e in validator.iter_errors(document))


class TestShippedFiles:
    @pytest.mark.parametrize("filename", sorted(SCHEMA_FILES))
    def test_shipped_file_matches_the_generator(self, filename):
        """The shipped schema file is exactly what the generator writes today."""
        shipped = (
            importlib.resources.files("agentcharts.schemas").joinpath(filename).read_text("utf-8")
        )
        generated = render_schema(SCHEMA_FILES[filename]())
        assert generated == shipped, f"{filename} is stale: run `{REGENERATE}`"

    @pytest.mark.parametrize("filename", sorted(SCHEMA_FILES))
    def test_shipped_file_is_a_valid_schema(self, filename):
        """Each shipped file is a valid Draft 2020-12 schema."""
        schema = shipped_schema(filename)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert "https://json-schema.org/draft/2020-12/schema" == schema["$schema"]

    def test_session_envelope(self):
        """The session schema pins its id, format and version."""
        schema = session_schema()
        assert (
            "https://agentcharts.dev/schemas/session/v2.json" == schema["$id"] == SESSION_SCHEMA_ID
        )
        assert {"const": "agentcharts.session"} == schema["properties"]["format"]
        assert {"const": CURRENT_VERSION} == schema["properties"]["version"]
        assert {"$ref": "#/$defs/SessionRecord"} == schema["properties"]["session"]
        assert ["format", "version", "session"] == schema["required"]
        assert schema["additionalProperties"] is False

    def test_agent_envelope(self):
        """The agent schema pins its own id and format."""
        schema = agent_schema()
        assert "https://agentcharts.dev/schemas/agent/v2.json" == schema["$id"] == AGENT_SCHEMA_ID
        assert {"const": "agentcharts.agent"} == schema["properties"]["format"]
        assert {"$ref": "#/$defs/AgentSnapshot"} == schema["properties"]["agent"]

    def test_schema_snapshot(self, snapshot_json):
        """The session schema, as a reviewable snapshot."""
        assert session_schema() == snapshot_json


class TestValidation:
    def test_example_documents_validate(self, session_validator, agent_validator):
        """The realistic session and agent documents fit the shipped schemas."""
        assert [] == errors(session_validator, json.loads(dump_session(weather_session())))
        assert [] == errors(agent_validator, json.loads(dump_agent(weather_agent())))

    @FUZZ
    @given(record=strategies.session_records)
    def test_generated_sessions_validate(self, session_validator, record):
        """Every generated session document fits the shipped schema."""
        assert [] == errors(session_validator, json.loads(dump_session(record)))

    @FUZZ
    @given(snapshot=strategies.agent_snapshots)
    def test_generated_agents_validate(self, agent_validator, snapshot):
        """Every generated agent document fits the shipped schema."""
        assert [] == errors(agent_validator, json.loads(dump_agent(snapshot)))

    @pytest.mark.parametrize(
        ("mutate", "path"),
        [
            (
                lambda d: d["session"]["graph"]["nodes"]["weather"].update(status="bogus"),
                "$.session.graph.nodes.weather.status",
            ),
            (
                lambda d: d["session"]["graph"]["nodes"]["research"].update(colour="red"),
                "$.session.graph.nodes.research",
            ),
            (
                lambda d: d["session"]["graph"]["interrupts"][0].update(answered="no"),
                "$.session.graph.interrupts[0].answered",
            ),
            (lambda d: d["session"]["transitions"][0].pop("at"), "$.session.transitions[0]"),
            (lambda d: d.update(version=3), "$.version"),
            (lambda d: d.update(format="agentcharts.agent"), "$.format"),
        ],
        ids=["enum", "unknown-key", "type", "missing", "version", "format"],
    )
    def test_refuses_what_the_converter_refuses(self, session_validator, mutate, path):
        """Bad enum values, unknown keys, wrong types, missing fields, other versions fail."""
        document = json.loads(dump_session(weather_session()))
        mutate(document)
        assert [path] == errors(session_validator, document)

    @pytest.mark.parametrize(
        "block",
        [
            {"kind": "image", "url": "x"},
            {"text": "no kind"},
            {"kind": "text", "text": "hi", "extra": 1},
        ],
        ids=["unknown-kind", "missing-kind", "extra-key"],
    )
    def test_refuses_bad_content_blocks(self, agent_validator, block):
        """A content block with an unknown or missing kind, or an extra key, fails."""
        document = json.loads(dump_agent(weather_agent()))
        document["agent"]["messages"][0]["content"][0] = block
        assert ["$.agent.messages[0].content[0]"] == errors(agent_validator, document)


@attrs.frozen
class Toy:
    """A toy record for the generator."""

    pair: tuple[int, str]
    when: datetime
    mode: Literal["a", "b"] = "a"
    ident: NewType("Ident", str) = "x"  # type: ignore[valid-type]
    scores: list[float] = attrs.field(factory=list)


class TestGenerator:
    def test_tagged_union_is_one_of_with_tag_consts(self):
        """Each member of a tagged union pins the tag from the converter's table."""
        schema = session_schema()
        for tagged in TAGGED_UNIONS:
            members = schema["$defs"][tagged.name]["oneOf"]
            consts = [m["properties"][tagged.tag_key] for m in members]
            assert [{"const": tag} for tag in tagged.tags.values()] == consts
            assert all(m["required"][0] == tagged.tag_key for m in members)
            assert all(m["additionalProperties"] is False for m in members)

    def test_enums_are_defs_with_their_values(self):
        """An enum is a named definition listing its values."""
        status = session_schema()["$defs"]["Status"]
        expected = ["pending", "executing", "interrupted", "completed", "failed"]
        assert {"type": "string", "enum": expected} == {k: status[k] for k in ("type", "enum")}

    def test_required_are_the_fields_without_defaults(self):
        """Only fields without a default are required; defaults are shown as JSON."""
        node = session_schema()["$defs"]["NodeSnapshot"]
        assert ["node_id"] == node["required"]
        assert "pending" == node["properties"]["status"]["default"]
        assert node["properties"]["node_id"]["description"] == "The node's id."

    def test_scalars_tuples_literals_and_newtypes(self):
        """Fixed tuples, date-times, literals, NewTypes and lists map to their schemas."""
        generator = _Generator()
        generator.schema(Toy)
        properties = generator.defs["Toy"]["properties"]
        assert {
            "type": "array",
            "prefixItems": [{"type": "integer"}, {"type": "string"}],
            "items": False,
            "minItems": 2,
        } == properties["pair"]
        assert {"type": "string", "format": "date-time"} == properties["when"]
        assert {"type": "string", "enum": ["a", "b"], "default": "a"} == properties["mode"]
        assert {"type": "string", "default": "x"} == properties["ident"]
        assert {"type": "array", "items": {"type": "number"}, "default": []} == properties["scores"]
        assert ["pair", "when"] == generator.defs["Toy"]["required"]

    def test_any_is_any_json_value(self):
        """An ``Any`` field accepts any JSON value."""
        reason = session_schema()["$defs"]["InterruptRecord"]["properties"]["reason"]
        assert {"description", "default"} == set(reason)

    def test_unsupported_type(self):
        """A type the format cannot hold is a DefinitionError."""
        with pytest.raises(DefinitionError, match="no JSON Schema for the type"):
            _Generator().schema(set[int])


class TestCommandLine:
    def test_write_to_a_directory(self, tmp_path, capsys):
        """--write writes every schema file, each equal to the generator's output."""
        assert 0 == main(["--write", "--directory", str(tmp_path)])
        for filename, build in SCHEMA_FILES.items():
            assert render_schema(build()) == (tmp_path / filename).read_text(encoding="utf-8")
        assert sorted(SCHEMA_FILES) == sorted(p.name for p in tmp_path.iterdir())
        assert "wrote" in capsys.readouterr().out

    def test_write_schemas_returns_paths(self, tmp_path):
        """write_schemas returns the paths it wrote."""
        assert sorted(tmp_path / f for f in SCHEMA_FILES) == sorted(write_schemas(tmp_path))

    def test_module_prints_the_session_schema(self):
        """`python -m agentcharts.schemas.jsonschema` prints the session schema."""
        result = subprocess.run(
            [sys.executable, "-m", "agentcharts.schemas.jsonschema"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert session_schema() == json.loads(result.stdout)

    def test_schema_files_are_json_objects(self):
        """Each shipped file parses to a JSON object with an $id."""
        for filename in SCHEMA_FILES:
            schema: dict[str, Any] = shipped_schema(filename)
            assert schema["$id"].endswith(f"/v{CURRENT_VERSION}.json")


def documented_keys() -> dict[str, list[str]]:
    """The keys in each table of the reference page: by record, or ``Union.tag`` for members."""
    tables: dict[str, list[str]] = {}
    section = member = None
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = member = None
        elif heading := re.fullmatch(r"### (\w+)", line):
            section, member = heading[1], None
        elif heading := re.fullmatch(r"#### `(\w+)`: \w+", line):
            member = heading[1]
        elif (row := re.match(r"\| `(\w+)` \|", line)) and section is not None:
            key = f"{section}.{member}" if member else section
            tables.setdefault(key, []).append(row[1])
    return tables


class TestReferenceDocs:
    def test_every_record_table_matches_the_schema(self):
        """The reference page lists exactly the keys of every record, in the written order."""
        expected = {}
        definitions = {**session_schema()["$defs"], **entry_schema()["$defs"]}
        for name, definition in definitions.items():
            if "properties" in definition:
                expected[name] = list(definition["properties"])
            for member in definition.get("oneOf", []):
                expected[f"{name}.{member['properties']['kind']['const']}"] = list(
                    member["properties"]
                )
        assert expected == documented_keys(), f"update the record tables in {REFERENCE.name}"

    def test_every_enum_is_documented(self):
        """Each enum's values appear under its heading on the reference page."""
        text = REFERENCE.read_text(encoding="utf-8")
        for name, definition in session_schema()["$defs"].items():
            if "enum" in definition:
                values = ", ".join(f'`"{v}"`' for v in definition["enum"])
                section = f"### {name}\n\n{definition['description']}\n\nValues: {values}\n"
                assert section in text, f"update the {name} values in {REFERENCE.name}"
