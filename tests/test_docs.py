"""Every Python example in the README and the docs runs as written."""

from __future__ import annotations

import pathlib
import re
import sys
import types

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks(path: pathlib.Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "path", [p for p in DOCS if blocks(p)], ids=lambda p: str(p.relative_to(ROOT))
)
def test_examples_run(path, tmp_path, monkeypatch):
    """The python blocks of one page run in order, in one namespace, in a scratch directory."""
    monkeypatch.chdir(tmp_path)
    module = types.ModuleType(f"docs_{path.stem.replace('-', '_')}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for index, source in enumerate(blocks(path)):
        code = compile(source, f"{path.relative_to(ROOT)}[block {index}]", "exec")
        exec(code, module.__dict__)  # noqa: S102 - the docs' own examples
    assert pathlib.Path.cwd() == tmp_path
