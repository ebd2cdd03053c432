"""Every docstring example in the package runs (one test per module), so the examples users
copy from the docs are kept true.  Modules of an optional extra that is not installed skip."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import metrology

ROOT = Path(__file__).resolve().parents[1]


def _module_names() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(metrology.__path__, "metrology.")
                  if not m.name.endswith("__main__"))


def test_every_module_is_collected():
    names = _module_names()
    assert "metrology.core.fit_circle" in names and len(names) > 50


@pytest.mark.parametrize("name", ["metrology", *_module_names()])
def test_docstring_examples_run(name, monkeypatch):
    try:
        module = importlib.import_module(name)
    except ImportError as exc:       # a module of an optional extra
        pytest.skip(f"{name}: optional dependency missing ({exc})")
    monkeypatch.chdir(ROOT)          # examples read calib_images/ etc. relative to the repo
    if name == "metrology":          # the finder walks the package's namespace, and looking at
        for sub in _module_names():  # a lazy entry imports submodules into it: import them all
            try:                     # first (run alone, this test failed with "dictionary
                importlib.import_module(sub)  # changed size during iteration")
            except ImportError:
                pass
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    failed = []
    for t in tests:
        if t.examples:
            result = runner.run(t, out=lambda s: failed.append(s))
            assert result.failed == 0, "".join(failed)
