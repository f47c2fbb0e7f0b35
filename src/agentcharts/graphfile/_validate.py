"""
Check a document against the shipped JSON Schema, with errors a human can act on.

This is a small interpreter of the JSON Schema keywords the graph file schema uses
(``$ref``, ``type``, ``const``, ``enum``, ``properties``, ``required``,
``additionalProperties``, ``propertyNames``, ``minProperties``, ``items``, ``minItems``,
``minLength``, ``pattern``, ``minimum``, ``exclusiveMinimum``, ``maximum``, ``anyOf`` and
``oneOf``), so the schema is the one source of truth and no extra package is needed. Each
problem names its key path and what was expected there, taken from the schema's ``title``.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Final

__all__ = ["Problem", "SchemaChecker", "join_path", "show_value"]

Problem = tuple[str, str]
"""``(key path, what is wrong)``; the path is empty for the document itself."""

_QUOTE_WIDTH: Final = 60

_TYPE_NAMES: Final = {
    "object": "a mapping",
    "array": "a list",
    "string": "a text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def join_path(path: str, key: str | int) -> str:
    """
    Extend a key path by a mapping key or a list index.

    Args:
        path: The path so far (empty at the top).
        key: A mapping key, or a list index.

    Returns:
        ``agents.weather`` for a key, ``edges[1]`` for an index.
    """
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def show_value(value: Any) -> str:
    """
    Describe a value the way the error messages quote it.

    Args:
        value: A value from the document.

    Returns:
        A quoted text, a number, ``true``/``false``/``null``, or the kind of a container.
    """
    if value is None or isinstance(value, bool):
        shown = {None: "null", True: "true", False: "false"}[value]
    elif isinstance(value, str):
        shown = repr(value if len(value) <= _QUOTE_WIDTH else value[: _QUOTE_WIDTH - 3] + "...")
    elif isinstance(value, int | float):
        shown = repr(value)
    elif isinstance(value, dict | list):
        kind = "mapping" if isinstance(value, dict) else "list"
        shown = f"a {kind}" if value else f"an empty {kind}"
    else:
        shown = f"a {type(value).__name__}"
    return shown


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPE_TESTS: Final = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: _is_number(v) and isinstance(v, int),
    "number": lambda v: _is_number(v) and math.isfinite(v),
}


def _type_matches(expected: str, value: Any) -> bool:
    return bool(_TYPE_TESTS[expected](value))


class SchemaChecker:
    """Checks documents against one schema (a JSON Schema document as a dict)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        """
        Keep the schema.

        Args:
            schema: The root schema; ``$ref`` values point into its ``$defs``.
        """
        self.root = schema

    def check(self, value: Any) -> list[Problem]:
        """
        Check a document.

        Args:
            value: The parsed document.

        Returns:
            Every problem found, in document order (empty when the document is valid).
        """
        problems: list[Problem] = []
        self._check(self.root, value, "", problems)
        return problems

    # ------------------------------------------------------------------ schemas

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Follow ``$ref`` chains; keywords beside a ``$ref`` override the target's."""
        while "$ref" in schema:
            reference: str = schema["$ref"]
            target: Any = self.root
            for part in reference.removeprefix("#/").split("/"):
                target = target[part]
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def expected(self, schema: dict[str, Any]) -> str:
        """Return what a schema accepts, in words (its title when it has one)."""
        schema = self.resolve(schema)
        if "title" in schema:
            return str(schema["title"])
        if "const" in schema:
            return repr(schema["const"])
        if "enum" in schema:
            return "one of " + ", ".join(repr(v) for v in schema["enum"])
        kind = schema.get("type")
        if isinstance(kind, str):
            return _TYPE_NAMES[kind]
        return "a valid value"

    # ------------------------------------------------------------------ the walk

    def _check(self, schema: dict[str, Any], value: Any, path: str, out: list[Problem]) -> None:
        schema = self.resolve(schema)
        if not self._fits_kind(schema, value, path, out):
            return
        before = len(out)
        if isinstance(value, dict):
            self._check_object(schema, value, path, out)
        elif isinstance(value, list):
            self._check_array(schema, value, path, out)
        elif isinstance(value, str):
            self._check_string(schema, value, path, out)
        elif _is_number(value):
            self._check_number(schema, value, path, out)
        if len(out) == before:
            for keyword in ("oneOf", "anyOf"):
                if keyword in schema:
                    self._check_branches(schema, keyword, value, path, out)

    def _fits_kind(self, schema: dict[str, Any], value: Any, path: str, out: list[Problem]) -> bool:
        """Check ``type``, ``const`` and ``enum``; report and return False on a mismatch."""
        kind = schema.get("type")
        wrong = isinstance(kind, str) and not _type_matches(kind, value)
        if not wrong and "const" in schema:
            const = schema["const"]
            wrong = value != const or type(value) is not type(const)
        if wrong:
            out.append((path, f"expected {self.expected(schema)}, got {show_value(value)}"))
            return False
        if "enum" in schema and not any(
            value == option and type(value) is type(option) for option in schema["enum"]
        ):
            options = ", ".join(repr(v) for v in schema["enum"])
            out.append((path, f"expected one of {options}, got {show_value(value)}"))
            return False
        return True

    def _check_object(
        self, schema: dict[str, Any], value: dict[Any, Any], path: str, out: list[Problem]
    ) -> None:
        if not self._check_keys(schema, value, path, out):
            return
        minimum = schema.get("minProperties")
        if minimum is not None and len(value) < minimum:
            out.append((path, f"expected {self.expected(schema)}, got {show_value(value)}"))
            return
        properties: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                self._check(properties[key], item, join_path(path, key), out)
            elif isinstance(extra, dict):
                self._check(extra, item, join_path(path, key), out)

    def _check_keys(
        self, schema: dict[str, Any], value: dict[Any, Any], path: str, out: list[Problem]
    ) -> bool:
        """Check key names, unknown keys and required keys; report the first problem."""
        properties: dict[str, Any] = schema.get("properties", {})
        closed = schema.get("additionalProperties", True) is False
        names = schema.get("propertyNames")
        problem = None
        for key in value:
            if not isinstance(key, str):
                problem = f"invalid key {show_value(key)}: keys must be texts"
            elif names is not None and not self._valid(names, key):
                problem = f"invalid key {key!r}: expected {self.expected(names)}"
            elif closed and key not in properties:
                problem = _unknown_key(key, properties)
            if problem is not None:
                break
        if problem is None:
            missing = [k for k in schema.get("required", ()) if k not in value]
            problem = f"missing required key {missing[0]!r}" if missing else None
        if problem is not None:
            out.append((path, problem))
        return problem is None

    def _check_array(
        self, schema: dict[str, Any], value: list[Any], path: str, out: list[Problem]
    ) -> None:
        minimum = schema.get("minItems")
        if minimum is not None and len(value) < minimum:
            out.append((path, f"expected {self.expected(schema)}, got {show_value(value)}"))
            return
        items = schema.get("items")
        if isinstance(items, dict):
            for index, item in enumerate(value):
                self._check(items, item, join_path(path, index), out)

    def _check_string(
        self, schema: dict[str, Any], value: str, path: str, out: list[Problem]
    ) -> None:
        too_short = len(value) < schema.get("minLength", 0)
        pattern = schema.get("pattern")
        if too_short or (pattern is not None and re.search(pattern, value) is None):
            out.append((path, f"expected {self.expected(schema)}, got {show_value(value)}"))

    def _check_number(
        self, schema: dict[str, Any], value: float, path: str, out: list[Problem]
    ) -> None:
        low = schema.get("minimum")
        above = schema.get("exclusiveMinimum")
        high = schema.get("maximum")
        if (
            (low is not None and value < low)
            or (above is not None and value <= above)
            or (high is not None and value > high)
        ):
            out.append((path, f"expected {self.expected(schema)}, got {show_value(value)}"))

    # ------------------------------------------------------------------ anyOf / oneOf

    def _valid(self, schema: dict[str, Any], value: Any) -> bool:
        problems: list[Problem] = []
        self._check(schema, value, "", problems)
        return not problems

    def _check_branches(
        self, schema: dict[str, Any], keyword: str, value: Any, path: str, out: list[Problem]
    ) -> None:
        """
        Check ``anyOf``/``oneOf``, reporting inside the one branch the value is meant for.

        The branch is chosen by the value's type, then by a discriminating ``const``
        property, then by which branch's required keys are all present.
        """
        exactly_one = keyword == "oneOf"
        branches = [self.resolve(b) for b in schema[keyword]]
        candidates = [
            b
            for b in branches
            if not isinstance(b.get("type"), str) or _type_matches(b["type"], value)
        ]
        if isinstance(value, dict) and len(candidates) > 1:
            chosen = self._choose_by_keys(candidates, value, path, out, exactly_one=exactly_one)
            if chosen is None:
                return
            candidates = chosen
        if len(candidates) == 1:
            self._check(candidates[0], value, path, out)
            return
        matches = [b for b in candidates if self._valid(b, value)]
        if len(matches) == 1 or (matches and not exactly_one):
            return
        if matches:
            titles = ", ".join(self.expected(b) for b in matches)
            out.append((path, f"expected only one of: {titles}"))
            return
        out.append((path, f"expected {self.expected(schema)}, got {show_value(value)}"))

    def _choose_by_keys(
        self,
        candidates: list[dict[str, Any]],
        value: dict[Any, Any],
        path: str,
        out: list[Problem],
        *,
        exactly_one: bool,
    ) -> list[dict[str, Any]] | None:
        """Narrow object branches by a ``const`` discriminator or by their required keys."""
        tag = _discriminator(candidates)
        if tag is not None:
            return _tag_choice(tag, candidates, value, path, out)
        keyed = [
            b for b in candidates if b.get("required") and all(k in value for k in b["required"])
        ]
        if len(keyed) > 1 and exactly_one:
            titles = ", ".join(self.expected(b) for b in keyed)
            out.append((path, f"expected only one of: {titles}"))
            return None
        if keyed:
            return keyed
        known: dict[str, Any] = {}
        for branch in candidates:
            known.update(branch.get("properties", {}))
        for key in value:
            if known and key not in known:
                out.append((path, _unknown_key(str(key), known)))
                return None
        return candidates


def _tag_choice(
    tag: str, candidates: list[dict[str, Any]], value: dict[Any, Any], path: str, out: list[Problem]
) -> list[dict[str, Any]] | None:
    """Pick the branches whose ``const`` for ``tag`` is the value's; report when none is."""
    options = ", ".join(repr(b["properties"][tag]["const"]) for b in candidates)
    if tag not in value:
        out.append((path, f"missing required key {tag!r} (one of {options})"))
        return None
    chosen = [b for b in candidates if b["properties"][tag]["const"] == value[tag]]
    if not chosen:
        message = f"expected one of {options}, got {show_value(value[tag])}"
        out.append((join_path(path, tag), message))
        return None
    return chosen


def _discriminator(branches: list[dict[str, Any]]) -> str | None:
    """Return the property every branch pins with a ``const``, if there is one."""
    common: set[str] | None = None
    for branch in branches:
        pinned = {
            k
            for k, v in branch.get("properties", {}).items()
            if isinstance(v, dict) and "const" in v
        }
        common = pinned if common is None else common & pinned
    return min(common) if common else None


def _unknown_key(key: str, allowed: dict[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r} (did you mean {close[0]!r}?)"
    listed = ", ".join(sorted(allowed))
    return f"unknown key {key!r} (allowed: {listed})"
