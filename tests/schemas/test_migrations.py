"""Tests for `agentcharts.schemas.migrations`."""

from __future__ import annotations

import copy
import json
import pathlib
import re

import pytest
from schema_examples import weather_session

from agentcharts.exceptions import SchemaVersionError
from agentcharts.schemas import CURRENT_VERSION, MIGRATIONS, load_session, migrate

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def v1_to_v2(document):
    """Toy step: rename the payload's "title" to "name" (edits nested data in place)."""
    payload = document["session"]
    payload["name"] = payload.pop("title")
    return document


def v2_to_v3(document):
    """Toy step: add a required "tags" list, derived from the name."""
    document["session"]["tags"] = [document["session"]["name"].lower()]
    return document


TOY_STEPS = {1: v1_to_v2, 2: v2_to_v3}


def toy_document(version=1):
    """A toy envelope at version 1."""
    return {"format": "toy", "version": version, "session": {"title": "Trip", "nested": {"n": 1}}}


class TestMigrate:
    def test_applies_each_step_in_order(self):
        """A v1 document goes through v1->v2 and v2->v3, and ends at version 3."""
        expected = {
            "format": "toy",
            "version": 3,
            "session": {"nested": {"n": 1}, "name": "Trip", "tags": ["trip"]},
        }
        assert expected == migrate(toy_document(), from_version=1, migrations=TOY_STEPS, current=3)

    def test_starts_from_the_given_version(self):
        """A v2 document only goes through v2->v3."""
        document = {"format": "toy", "version": 2, "session": {"name": "Trip"}}
        migrated = migrate(document, from_version=2, migrations=TOY_STEPS, current=3)
        assert {
            "format": "toy",
            "version": 3,
            "session": {"name": "Trip", "tags": ["trip"]},
        } == migrated

    def test_never_changes_the_input(self):
        """Steps that edit nested data in place work on a deep copy."""
        document = toy_document()
        before = copy.deepcopy(document)
        migrate(document, from_version=1, migrations=TOY_STEPS, current=3)
        assert before == document

    def test_current_version_returns_a_copy(self):
        """A document at the current version comes back equal but not shared."""
        document = toy_document(version=3)
        migrated = migrate(document, from_version=3, migrations=TOY_STEPS, current=3)
        assert document == migrated
        assert document["session"] is not migrated["session"]

    def test_missing_step(self):
        """A gap in the chain is a SchemaVersionError naming the version without a step."""
        with pytest.raises(SchemaVersionError) as caught:
            migrate(toy_document(), from_version=1, migrations={2: v2_to_v3}, current=3)
        assert (1, 3) == (caught.value.version, caught.value.current)

    @pytest.mark.parametrize("version", [0, -3, 4, True, "2", 2.0, None], ids=repr)
    def test_unsupported_start(self, version):
        """A start version that is not an integer from 1 to current is refused."""
        with pytest.raises(SchemaVersionError) as caught:
            migrate(toy_document(), from_version=version, migrations=TOY_STEPS, current=3)
        assert version == caught.value.version


class TestRegistry:
    def test_format_is_at_version_two(self):
        """The format is at version 2 (the journal), with the one step from version 1."""
        assert 2 == CURRENT_VERSION
        assert [1] == list(MIGRATIONS)

    def test_every_old_version_has_a_step(self):
        """Each version below the current one has exactly one step to the next."""
        assert set(range(1, CURRENT_VERSION)) == set(MIGRATIONS)

    def test_registry_is_read_only(self):
        """The module's registry cannot be changed at run time."""
        with pytest.raises(TypeError):
            MIGRATIONS[1] = v1_to_v2  # type: ignore[index]


class TestGoldenFiles:
    def test_every_version_has_a_golden_file(self):
        """There is a frozen session fixture for every format version up to the current one."""
        versions = sorted(
            int(re.fullmatch(r"session_v(\d+)\.json", p.name)[1])
            for p in FIXTURES.glob("session_v*.json")
        )
        assert list(range(1, CURRENT_VERSION + 1)) == versions

    def test_golden_files_declare_their_version(self):
        """Each golden file's version field matches its name."""
        for path in FIXTURES.glob("session_v*.json"):
            document = json.loads(path.read_text(encoding="utf-8"))
            assert path.stem == f"session_v{document['version']}"

    def test_session_v1_loads_to_the_expected_record(self):
        """The frozen v1 session loads, through the migrations, to the example record."""
        text = (FIXTURES / "session_v1.json").read_text(encoding="utf-8")
        assert weather_session() == load_session(text)

    def test_session_v2_loads_to_the_expected_record(self):
        """The frozen v2 session (the journal's snapshot format) loads to the example record."""
        text = (FIXTURES / "session_v2.json").read_text(encoding="utf-8")
        assert weather_session() == load_session(text)

    def test_the_step_to_v2_keeps_a_v1_session_as_it_is(self):
        """A v1 session is a v2 snapshot with no answers received: the step copies it."""
        document = json.loads((FIXTURES / "session_v1.json").read_text(encoding="utf-8"))
        migrated = migrate(document, from_version=1)
        assert 2 == migrated["version"]
        assert document["session"] == migrated["session"]
        nodes = load_session(json.dumps(migrated)).graph.nodes.values()
        assert not any(node.answered for node in nodes)

    def test_session_v1_covers_the_format(self):
        """The v1 golden file holds every block kind, a pending interrupt and tool calls."""
        session = load_session((FIXTURES / "session_v1.json").read_text(encoding="utf-8"))
        agent = session.graph.nodes["weather"].agent
        kinds = {type(b).__name__ for m in agent.messages for b in m.content}
        assert {"TextBlock", "ToolUseBlock", "ToolResultBlock"} == kinds
        assert ["weather:tu-2:booking_approval"] == [i.id for i in session.graph.pending_interrupts]
        assert 2 == len(agent.pending_tool_calls)
        assert 2 == len(session.graph.nodes)
        assert session.transitions
