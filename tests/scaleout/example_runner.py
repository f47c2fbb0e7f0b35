"""Run some python blocks of a docs page, in order, in one namespace: one "host" of an example.

Usage::

    python example_runner.py PAGE INDEX [INDEX ...]
"""

from __future__ import annotations

import pathlib
import re
import sys

BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks(page: pathlib.Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


def main(argv: list[str]) -> None:
    page, *indices = argv
    path = pathlib.Path(page)
    found = blocks(path)
    namespace: dict[str, object] = {"__name__": "__example__"}
    for index in map(int, indices):
        exec(compile(found[index], f"{path.name}[block {index}]", "exec"), namespace)  # noqa: S102 - the docs' own example


if __name__ == "__main__":
    main(sys.argv[1:])
