"""ruff (pyflakes, bugbear, numpy-convention docstrings; configured in pyproject.toml) passes on
the package, the tests, the benchmarks and the scripts: part of the README's test command, so CI
runs it too (a benchmark's late-binding lambda was found only by hand before they were in it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    try:
        import ruff  # noqa: F401  (installed by the 'test' extra)
    except ImportError:
        pytest.fail("ruff is not installed: pip install -e '.[test]' installs it")
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "metrology", "tests",
                        "benchmarks", "scripts"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
