"""Rewrite the generated part of docs/concepts/lifecycles.md from the lifecycle classes."""

from __future__ import annotations

import pathlib

from agentcharts.machines import lifecycles_markdown

START = "<!-- generated: lifecycles (scripts/gen_lifecycle_docs.py) -->"
END = "<!-- end generated -->"
DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "concepts" / "lifecycles.md"


def splice(text: str) -> str:
    """Return ``text`` with the generated block replaced by the current diagrams."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n\n{lifecycles_markdown()}\n{END}{tail}"


if __name__ == "__main__":
    DOC.write_text(splice(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DOC}")
