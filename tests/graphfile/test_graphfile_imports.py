"""Tests for `agentcharts.graphfile.imports`."""

from __future__ import annotations

import json
import sys

import pytest
from graphfile_helpers import unique_module, write

from agentcharts.graphfile.imports import ImportPathError, add_search_path, import_object


class TestImportObject:
    def test_both_forms_and_dotted_attributes(self):
        """'module:name', 'package.module.name' and 'module:Class.attr' all resolve."""
        assert json.dumps is import_object("json:dumps")
        assert json.dumps is import_object("json.dumps")
        assert json.JSONDecoder.decode is import_object("json:JSONDecoder.decode")

    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            (
                "no_such_module_xyz:f",
                "cannot import 'no_such_module_xyz:f': no module named 'no_such_module_xyz'",
            ),
            ("json:nothing", "cannot import 'json:nothing': 'json' has no attribute 'nothing'"),
            (
                "json:JSONDecoder.nope",
                "cannot import 'json:JSONDecoder.nope': 'json.JSONDecoder' has no attribute 'nope'",
            ),
            ("plain", "cannot import 'plain': expected 'module:name' or 'module.name'"),
        ],
    )
    def test_failures(self, path, expected):
        """Each failure says what could not be imported and why."""
        with pytest.raises(ImportPathError) as caught:
            import_object(path)
        assert expected == str(caught.value)

    def test_module_that_raises_while_loading(self, tmp_path):
        """An error inside the imported module is reported, not raised as itself."""
        module = unique_module("broken")
        write(tmp_path, f"{module}.py", "raise RuntimeError('boom')\n")
        add_search_path(tmp_path)
        with pytest.raises(
            ImportPathError, match=f"importing '{module}' raised RuntimeError: boom"
        ):
            import_object(f"{module}:f")

    def test_search_path_added_once(self, tmp_path):
        """The directory goes to the front of sys.path once."""
        add_search_path(tmp_path)
        add_search_path(tmp_path)
        assert 1 == sys.path.count(str(tmp_path.resolve()))
