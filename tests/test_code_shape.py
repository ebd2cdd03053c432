"""The shape the code keeps (issue 11): small public signatures, small modules, short functions.

- no public function or method has more than 10 parameters (``self``/``cls`` and ``**kwargs``
  shims not counted; ``*args`` counts as one);
- no module in ``metrology/`` is over 600 lines, except data tables (listed below);
- no function is over 80 lines (docstring included) in ``caliper/``, ``match/`` and
  ``calib/calibration.py``.

The rules are read from the source with :mod:`ast`, so a new module or function is checked
without being listed.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "metrology"
MAX_PARAMS = 10
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
#: Modules that are data, not logic.
DATA_TABLES = {"caliper/_curvature_table.py"}
#: Where the function-length rule applies.
SHORT_FUNCTIONS = ("caliper/", "match/", "calib/calibration.py")


def _modules() -> list[Path]:
    return sorted(PKG.rglob("*.py"))


def _rel(p: Path) -> str:
    return p.relative_to(PKG).as_posix()


def _functions(tree: ast.AST):
    """(qualified name, node, is_public) of every function, methods included."""
    out = []

    def walk(node, prefix, public):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                pub = public and (not child.name.startswith("_") or child.name == "__init__")
                out.append((name, child, pub))
                walk(child, f"{name}.<locals>.", False)
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.", public and not child.name.startswith("_"))
            else:
                walk(child, prefix, public)
    walk(tree, "", True)
    return out


def _param_count(fn: ast.FunctionDef) -> int:
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    return len(names) + (1 if a.vararg else 0)


@functools.cache
def _parsed() -> tuple:
    """(path, tree) of every module, parsed once for the tests here (1.5 s a parse)."""
    return tuple((p, ast.parse(p.read_text(encoding="utf-8"), filename=str(p)))
                 for p in _modules())


def test_no_public_function_has_more_than_10_parameters():
    bad = []
    for p, tree in _parsed():
        if any(part.startswith("_") and part != "__init__.py"
               for part in p.relative_to(PKG).parts):
            continue                                  # private modules
        for name, fn, public in _functions(tree):
            if public and _param_count(fn) > MAX_PARAMS:
                bad.append(f"{_rel(p)}::{name} has {_param_count(fn)} parameters")
    assert not bad, "\n".join(bad)


def test_no_module_over_600_lines():
    bad = [f"{_rel(p)}: {n} lines" for p in _modules()
           if _rel(p) not in DATA_TABLES
           and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not bad, "\n".join(bad)


def test_no_long_functions_in_caliper_match_and_calibrate():
    bad = []
    for p, tree in _parsed():
        rel = _rel(p)
        if not rel.startswith(SHORT_FUNCTIONS):
            continue
        for name, fn, _ in _functions(tree):
            n = fn.end_lineno - fn.lineno + 1 + len(fn.decorator_list)
            if n > MAX_FUNCTION_LINES:
                bad.append(f"{rel}::{name}: {n} lines")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("rel", sorted(DATA_TABLES))
def test_data_table_exceptions_exist(rel):
    assert (PKG / rel).is_file(), f"{rel} is listed as a data table but does not exist"
