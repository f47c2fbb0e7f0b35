"""``python -m agentcharts``: the command line (see :mod:`agentcharts.cli`)."""

from __future__ import annotations

import sys

from agentcharts.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
