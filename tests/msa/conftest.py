"""The msa tests render the inspection tests' plate (``tests/inspect/_inspect_helpers.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

_INSPECT = str(Path(__file__).resolve().parents[1] / "inspect")
if _INSPECT not in sys.path:
    sys.path.insert(0, _INSPECT)
